// Trust in the data: a moderator marks the order of two replies as gold from the tree view; a
// new annotator in calibration gets it as an ordinary ranking task, puts the replies the
// wrong way round, and then sees the missed check with the expected order and the
// explanation; the moderators' quality page shows the agreement table and the annotator's
// gold accuracy. (The e2e server serves every calibration task from gold where gold exists.)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, screenshot } from '../support/browser.js';
import { ApiUser, signInBrowser, moderator, LANGS } from '../support/api.js';
import { visit, openTask } from '../support/act.js';
import { treeReadyForRanking } from '../support/scenarios.js';
import { sql, quote } from '../support/db.js';

const lang = LANGS.quality;
let browsers = [];
after(async () => { await Promise.all(browsers.map((b) => b.close())); });

test('a moderator marks gold, a newcomer misses it and sees why', async () => {
  const { good, weak } = await treeReadyForRanking(lang);
  const promptId = sql(
    `select parent_id from message where text = ${quote(good)}`,
  );
  const mod = await moderator();
  const modBrowser = await openBrowser();
  browsers.push(modBrowser);
  await signInBrowser(modBrowser.context, mod);
  const page = modBrowser.page;

  // the tree view: open the prompt's gold panel, explain, keep the good reply first, save
  await visit(page, `/messages/${promptId}`);
  const panel = page.locator(`.tree-node:has(> [data-message-id="${promptId}"]) > [data-test="gold-panel"]`);
  await panel.locator('[data-test="gold-toggle"]').click();
  await panel.locator('[data-test="gold-explanation"]').fill('The first reply gives practical advice; the second gives none.');
  const cards = panel.locator('.rank-card');
  await cards.first().waitFor();
  if (!(await cards.first().innerText()).includes('Good reply')) {
    await cards.nth(1).getByRole('button', { name: /up/i }).click();
    await page.waitForFunction((id) => {
      const node = [...document.querySelectorAll('.tree-node')]
        .find((n) => n.querySelector(`:scope > [data-message-id="${id}"]`));
      const first = node?.querySelector(':scope > [data-test="gold-panel"] .rank-card');
      return first && first.innerText.includes('Good reply');
    }, promptId);
  }
  await panel.locator('[data-test="save-gold-ranking"]').click();
  await panel.locator('.notice.success').waitFor();
  await panel.locator('[data-test="gold-existing"] li').first().waitFor();
  await screenshot(page, 'quality-mark-gold');
  assert.equal(sql(`select count(*) from gold_item where message_id = '${promptId}' and kind = 'ranking'`), '1');

  // a newcomer's first task is the gold item, as an ordinary ranking task
  const ann = await ApiUser.create('newbie', { languages: [lang] });
  const annBrowser = await openBrowser();
  browsers.push(annBrowser);
  await signInBrowser(annBrowser.context, ann);
  const work = annBrowser.page;
  await openTask(work, 'random', lang);
  await work.locator('[data-test="rank-board"]').waitFor();
  assert.equal(await work.locator('[data-test="task"]').getAttribute('data-kind'), 'rank_assistant_replies');
  // put the weak reply on top: the wrong answer
  const top = work.locator('.rank-card').first();
  if ((await top.innerText()).includes('Good reply')) {
    await work.locator('.rank-card').nth(1).getByRole('button', { name: /up/i }).click();
    await work.waitForFunction(() => document.querySelector('.rank-card').innerText.includes('Weak reply'));
  }
  await work.locator('[data-test="review"]').click();
  await work.locator('[data-test="submit"]').click();
  await work.locator('[data-test="no-task"], [data-test="task"]').first().waitFor();
  assert.equal(sql(`select correct from gold_answer a join app_user u using (user_id) where u.username = ${quote(ann.name)}`), 'f');
  // the live tree did not get this ranking
  assert.equal(sql(`select count(*) from ranking where parent_id = '${promptId}' and user_id = (select user_id from app_user where username = ${quote(ann.name)})`), '0');

  // afterwards the annotator sees the missed check, the expected order and why
  await visit(work, '/contributions');
  const missed = work.locator('[data-test="check-missed"]');
  await missed.waitFor();
  assert.match(await missed.innerText(), /practical advice/);
  assert.match(await missed.locator('.orders').innerText(), /Good reply[\s\S]*Weak reply/);
  assert.match(await work.locator('[data-test="gold-accuracy"]').innerText(), /0 %/);
  await screenshot(work, 'quality-missed-check');

  // the moderators' quality page: agreement per language and week, and the annotator's gold
  await visit(page, '/moderation/quality');
  await page.locator('[data-test="quality-lang"]').selectOption(lang);
  await page.locator('[data-test="agreement-row"]').first().waitFor();
  assert.match(await page.locator('[data-test="agreement"]').innerText(), /Română/);
  const row = page.locator('[data-test="annotator-row"]', { hasText: ann.name });
  await row.waitFor();
  assert.match(await row.innerText(), /0 % \(0–\d+ %, n = 1\)/);
  await page.locator('[data-test="gold-row"]').first().waitFor();
  await screenshot(page, 'quality-dashboard');
});
