// A submit whose answer is lost on the network is retried with the same key: the message is
// stored once. And going offline during a submit only delays it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser } from '../support/browser.js';
import { ApiUser, signInBrowser, LANGS } from '../support/api.js';
import { openTask, write, taskId, nextTaskLoaded, unique } from '../support/act.js';
import { sql, quote } from '../support/db.js';

const lang = LANGS.network;
let browser;
after(async () => { await browser?.close(); });

test('a lost response is retried without a duplicate', async () => {
  const ada = await ApiUser.create('ada', { languages: [lang] });
  browser = await openBrowser();
  await signInBrowser(browser.context, ada);
  const { page } = browser;
  await openTask(page, 'initial_prompt', lang);
  const text = unique('Hvordan bager jeg det perfekte rugbrød derhjemme uden surdej?');
  await write(page, text);

  // the first submit reaches the server, but its answer never comes back
  let submits = 0;
  await page.route('**/api/tasks/submit', async (route) => {
    submits += 1;
    if (submits === 1) {
      await route.fetch();
      await route.abort('connectionreset');
    } else {
      await route.continue();
    }
  });
  const first = await taskId(page);
  await page.locator('[data-test="review"]').click();
  await page.locator('[data-test="submit"]').click();
  await page.locator('[data-test="retrying"]').waitFor();
  await nextTaskLoaded(page, first);
  assert.ok(submits >= 2, 'the submit was retried');
  assert.equal(sql(`select count(*) from message where text = ${quote(text)}`), '1');
  await page.unroute('**/api/tasks/submit');
});

test('going offline during a submit only delays it', async () => {
  const { page, context } = browser;
  await openTask(page, 'initial_prompt', lang);
  const text = unique('Hvad er forskellen på en fjord og en vig i Danmark?');
  await write(page, text);
  const first = await taskId(page);
  await page.locator('[data-test="review"]').click();
  await context.setOffline(true);
  await page.locator('[data-test="submit"]').click();
  await page.locator('[data-test="retrying"]').waitFor();
  await context.setOffline(false);
  await nextTaskLoaded(page, first);
  assert.equal(sql(`select count(*) from message where text = ${quote(text)}`), '1');
});
