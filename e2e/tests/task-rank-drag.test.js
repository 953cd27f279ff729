// Ranking by drag and drop; the consensus then ranks the replies on the message page.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, screenshot } from '../support/browser.js';
import { signInBrowser, LANGS } from '../support/api.js';
import { openTask, visit } from '../support/act.js';
import { treeReadyForRanking } from '../support/scenarios.js';
import { sql, quote } from '../support/db.js';

const lang = LANGS.dnd;
let browser;
after(async () => { await browser?.close(); });

test('replies are ranked by dragging the cards', async () => {
  const { ranker, good, weak } = await treeReadyForRanking(lang);
  browser = await openBrowser();
  await signInBrowser(browser.context, ranker);
  const { page } = browser;
  await openTask(page, 'rank_assistant_replies', lang);
  const cards = page.locator('.rank-card');
  assert.equal(await cards.count(), 2);
  // put the weak reply on top first if the random order has the good one there, so the drag
  // below always changes the order
  if ((await cards.nth(0).innerText()).includes('Good reply')) {
    await cards.nth(1).dragTo(cards.nth(0));
    await page.waitForFunction(() => document.querySelector('.rank-card').innerText.includes('Weak reply'));
  }
  await cards.nth(1).dragTo(cards.nth(0));
  await page.waitForFunction(() => document.querySelector('.rank-card').innerText.includes('Good reply'));
  await screenshot(page, 'task-rank');
  await page.locator('[data-test="review"]').click();
  assert.equal(await page.locator('[data-test="unchanged-warning"]').count(), 0);
  await page.locator('[data-test="submit"]').click();
  await page.locator('[data-test="no-task"], [data-test="submitted"]').first().waitFor();
  await page.waitForFunction(() => document.querySelector('[data-test="no-task"]'));

  assert.equal(sql(`select rank from message where text = ${quote(good)}`), '0');
  assert.equal(sql(`select rank from message where text = ${quote(weak)}`), '1');
  const id = sql(`select message_id from message where text = ${quote(good)}`);
  await visit(page, `/messages/${id}`);
  assert.equal(await page.locator('.thread [data-test="focused-message"] [data-test="rank"]').innerText(), '#1');
});
