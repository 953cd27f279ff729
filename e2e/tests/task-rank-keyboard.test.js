// Ranking with the keyboard only: Tab to a card, arrows to move it, T to tie, Ctrl+Enter.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser } from '../support/browser.js';
import { signInBrowser, LANGS } from '../support/api.js';
import { openTask } from '../support/act.js';
import { treeReadyForRanking } from '../support/scenarios.js';
import { sql, quote } from '../support/db.js';

const lang = LANGS.keyboard;
let browser;
after(async () => { await browser?.close(); });

test('replies are ranked with the keyboard alone', async () => {
  const { ranker, good, weak } = await treeReadyForRanking(lang);
  browser = await openBrowser();
  await signInBrowser(browser.context, ranker);
  const { page } = browser;
  await openTask(page, 'rank_assistant_replies', lang);

  // Tab until the second card has focus
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const cards = [...document.querySelectorAll('.rank-card')];
      return cards.indexOf(document.activeElement);
    });
    if (focused === 1) break;
  }
  const topText = await page.locator('.rank-card').nth(0).innerText();
  await page.keyboard.press('ArrowUp');
  // the moved card gets its focus back a frame after the move
  await page.waitForFunction((before) => {
    const top = document.querySelector('.rank-card');
    return top.innerText !== before && document.activeElement === top;
  }, topText);
  // put the good one on top
  if (!(await page.locator('.rank-card').nth(0).innerText()).includes('Good reply')) {
    await page.keyboard.press('ArrowDown');
    await page.waitForFunction(() => document.querySelector('.rank-card').innerText.includes('Good reply'));
  }
  await page.keyboard.press('Control+Enter');
  await page.locator('[data-test="submit"]').waitFor();
  await page.keyboard.press('Control+Enter');
  await page.waitForFunction(() => document.querySelector('[data-test="no-task"]'));
  assert.equal(sql(`select rank from message where text = ${quote(good)}`), '0');
  assert.equal(sql(`select rank from message where text = ${quote(weak)}`), '1');
});
