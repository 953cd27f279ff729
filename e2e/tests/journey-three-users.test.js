// Three volunteers grow one tree from prompt to ranked replies through the UI alone (the
// server runs with small limits: 3 messages per tree, 1 review, 1 ranking).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, screenshot } from '../support/browser.js';
import { ApiUser, signInBrowser, LANGS } from '../support/api.js';
import { openTask, write, reviewAndSubmit, taskId, nextTaskLoaded, visit, unique } from '../support/act.js';
import { sql, quote } from '../support/db.js';

const lang = LANGS.journey;
const browsers = [];
after(async () => { for (const b of browsers) await b.close(); });

async function as(user) {
  const b = await openBrowser();
  browsers.push(b);
  await signInBrowser(b.context, user);
  return b.page;
}

async function writeTask(page, kind, text) {
  await openTask(page, kind, lang);
  await write(page, text);
  const id = await taskId(page);
  await reviewAndSubmit(page);
  await nextTaskLoaded(page, id);
}

async function approve(page, kind) {
  await openTask(page, kind, lang);
  await page.locator('fieldset[data-label="spam"]').getByLabel('No').check();
  const id = await taskId(page);
  await reviewAndSubmit(page);
  await nextTaskLoaded(page, id);
}

test('three users grow a tree from prompt to ranked replies', async () => {
  const [ana, ben, eva] = await Promise.all(['ana', 'ben', 'eva'].map((n) => ApiUser.create(n, { languages: [lang] })));
  const [pageA, pageB, pageC] = [await as(ana), await as(ben), await as(eva)];
  const prompt = unique('Jak se nejlépe připravit na první maraton?');
  const replyB = unique('Trénujte postupně: zvyšujte týdenní objem o deset procent a nezapomínejte na odpočinek.');
  const replyC = unique('Prostě běžte.');

  await writeTask(pageA, 'initial_prompt', prompt);
  await approve(pageB, 'label_initial_prompt');
  assert.equal(sql(`select t.state from message_tree t join message m on m.message_id = t.message_tree_id where m.text = ${quote(prompt)}`), 'growing');

  await writeTask(pageB, 'assistant_reply', replyB);
  await writeTask(pageC, 'assistant_reply', replyC);
  await approve(pageA, 'label_assistant_reply');
  await approve(pageA, 'label_assistant_reply');
  assert.equal(sql(`select t.state from message_tree t join message m on m.message_id = t.message_tree_id where m.text = ${quote(prompt)}`), 'ranking');

  await openTask(pageA, 'rank_assistant_replies', lang);
  const cards = pageA.locator('.rank-card');
  if (!(await cards.nth(0).innerText()).includes('Trénujte')) {
    await cards.nth(0).focus();
    await pageA.keyboard.press('ArrowDown');
    await pageA.waitForFunction(() => document.querySelector('.rank-card').innerText.includes('Trénujte'));
  } else {
    // keep the order, but say so explicitly: move down and back up
    // keys pressed faster than a frame can land before the moved card has its focus back
    await cards.nth(0).focus();
    await pageA.keyboard.press('ArrowDown');
    await pageA.waitForFunction(() => {
      const second = document.querySelectorAll('.rank-card')[1];
      return second.innerText.includes('Trénujte') && document.activeElement === second;
    });
    await pageA.keyboard.press('ArrowUp');
  }
  await pageA.waitForFunction(() => document.querySelector('.rank-card').innerText.includes('Trénujte'));
  const id = await taskId(pageA);
  await reviewAndSubmit(pageA);
  await nextTaskLoaded(pageA, id);

  assert.equal(sql(`select t.state from message_tree t join message m on m.message_id = t.message_tree_id where m.text = ${quote(prompt)}`), 'ready_for_export');
  const rootId = sql(`select message_id from message where text = ${quote(prompt)}`);
  await visit(pageC, `/messages/${rootId}`);
  const ranked = pageC.locator('[data-test="tree"] [data-test="rank"]');
  await ranked.first().waitFor();
  assert.deepEqual(await ranked.allInnerTexts(), ['#1', '#2']);
  assert.match(await pageC.locator('[data-test="tree"] .tree-children .message-card').first().innerText(), /Trénujte/);
  await screenshot(pageC, 'tree-ranked');
});
