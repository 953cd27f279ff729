// Reviewing a message: the mandatory question gates the submit, flags toggle, a scale is set,
// and untouched scales are stored as absent.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, screenshot } from '../support/browser.js';
import { ApiUser, signInBrowser, LANGS } from '../support/api.js';
import { openTask, unique } from '../support/act.js';
import { sql, quote } from '../support/db.js';

const lang = LANGS.label;
let browser;
after(async () => { await browser?.close(); });

test('a review needs the mandatory answer and keeps untouched scales absent', async () => {
  const [ada, bob] = await Promise.all(['ada', 'bob'].map((n) => ApiUser.create(n, { languages: [lang] })));
  const prompt = unique('Jak najlepiej nauczyć się programowania w wolnym czasie?');
  await ada.write('initial_prompt', lang, prompt);

  browser = await openBrowser();
  await signInBrowser(browser.context, bob);
  const { page } = browser;
  await openTask(page, 'label_initial_prompt', lang);
  assert.match(await page.locator('[data-test="highlighted-message"]').innerText(), /programowania/);
  const review = page.locator('[data-test="review"]');
  assert.equal(await review.isDisabled(), true, 'submit waits for the mandatory answer');
  const spam = page.locator('fieldset[data-label="spam"]');
  await spam.getByLabel('No').check();
  await page.locator('button.flag[data-label="pii"]').click();
  assert.equal(await page.locator('button.flag[data-label="pii"]').getAttribute('aria-pressed'), 'true');
  await page.getByLabel('Quality 4 of 5').check();
  await screenshot(page, 'task-label');
  assert.equal(await review.isDisabled(), false);
  await review.click();
  await page.locator('[data-test="submit"]').click();
  await page.waitForFunction(() => document.querySelector('[data-test="no-task"]'));

  const stored = JSON.parse(sql(`select labels from label l join message m on m.message_id = l.message_id where m.text = ${quote(prompt)}`));
  assert.deepEqual(stored, { spam: 0, pii: 1, quality: 0.75 });
});
