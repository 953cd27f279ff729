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

test('on a touch screen a reply is dragged by its grip', async () => {
  const { ranker } = await treeReadyForRanking(lang);
  const phone = await openBrowser({ viewport: { width: 390, height: 844 } });
  try {
    await signInBrowser(phone.context, ranker);
    const { page } = phone;
    await openTask(page, 'rank_assistant_replies', lang);
    const cdp = await phone.context.newCDPSession(page);
    await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 1 });
    const cards = page.locator('.rank-card');
    const second = await cards.nth(1).locator('.rank-text').innerText();
    const from = await cards.nth(1).locator('[data-test="rank-grip"]').boundingBox();
    const to = await cards.nth(0).boundingBox();
    const point = (x, y) => ({ x: Math.round(x), y: Math.round(y) });
    const start = point(from.x + from.width / 2, from.y + from.height / 2);
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [start] });
    for (let step = 1; step <= 6; step++) {
      const y = start.y + ((to.y + to.height / 3) - start.y) * (step / 6);
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [point(start.x, y)] });
    }
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await page.waitForFunction((text) => document.querySelector('.rank-card .rank-text')?.innerText === text, second);
    // the page itself did not scroll away under the finger, and the move counts as a change
    await page.locator('[data-test="review"]').click();
    assert.equal(await page.locator('[data-test="unchanged-warning"]').count(), 0);
    await screenshot(page, 'task-rank-touch');
  } finally {
    await phone.close();
  }
});
