// The message page: thumbs, a report, labels, and "my contributions".
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, screenshot } from '../support/browser.js';
import { ApiUser, signInBrowser, LANGS } from '../support/api.js';
import { visit, unique } from '../support/act.js';
import { sql, quote } from '../support/db.js';

const lang = LANGS.message;
let browser;
after(async () => { await browser?.close(); });

test('thumbs, report and labels on a message; contributions list it', async () => {
  const [ada, bob] = await Promise.all(['ada', 'bob'].map((n) => ApiUser.create(n, { languages: [lang] })));
  const text = unique('Quina és la millor època per visitar els Pirineus?');
  await ada.write('initial_prompt', lang, text);
  const id = sql(`select message_id from message where text = ${quote(text)}`);

  browser = await openBrowser();
  await signInBrowser(browser.context, bob);
  const { page } = browser;
  await visit(page, `/messages/${id}`);
  const card = page.locator('.thread [data-test="focused-message"]');
  await card.locator('[data-test="thumb-up"]').click();
  await page.waitForFunction(() => document.querySelector('.thread [data-test="focused-message"] [data-test="thumb-up"]').innerText.includes('1'));
  assert.equal(await card.locator('[data-test="thumb-up"]').getAttribute('aria-pressed'), 'true');
  // the same message in the whole tree below shows the same thumbs
  const inTree = page.locator('.tree [data-test="focused-message"] [data-test="thumb-up"]');
  assert.match(await inTree.innerText(), /1/);
  assert.equal(await inTree.getAttribute('aria-pressed'), 'true');

  await card.locator('[data-test="report"]').click();
  await card.locator('[data-test="report-reason"]').fill('Sembla publicitat.');
  await card.locator('[data-test="send-report"]').click();
  await card.getByText('Moderators will look at it').waitFor();

  await card.locator('[data-test="label"]').click();
  await card.locator('button.flag[data-label="not_appropriate"]').click();
  await card.locator('[data-test="save-labels"]').click();
  await card.getByText('Labels saved.').waitFor();
  await screenshot(page, 'message-page');
  assert.equal(sql(`select thumbs_up || ':' || red_flags from message where message_id = '${id}'`), '1:1');
  assert.deepEqual(JSON.parse(sql(`select labels from label where message_id = '${id}' and task_id is null`)), { not_appropriate: 1 });

  const adaBrowser = await openBrowser();
  try {
    await signInBrowser(adaBrowser.context, ada);
    await visit(adaBrowser.page, '/contributions');
    const row = adaBrowser.page.locator('[data-test="contribution"]').first();
    assert.match(await row.innerText(), /Pirineus/);
    assert.match(await row.innerText(), /in review/);
    await screenshot(adaBrowser.page, 'contributions');
  } finally {
    await adaBrowser.close();
  }
});
