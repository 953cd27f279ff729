// Writing a first prompt: Markdown preview, the length bar, the submission language, the
// keyboard shortcut, and the next task loading by itself.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, screenshot } from '../support/browser.js';
import { ApiUser, signInBrowser, LANGS } from '../support/api.js';
import { openTask, write, taskId, nextTaskLoaded, unique } from '../support/act.js';
import { sql, quote } from '../support/db.js';
import { noPageErrors } from '../support/check.js';

const lang = LANGS.prompt;
let browser;
after(async () => { await browser?.close(); });

test('an annotator writes a prompt with preview and Ctrl+Enter, and the next task loads', async () => {
  const ada = await ApiUser.create('ada', { languages: [lang] });
  browser = await openBrowser();
  await signInBrowser(browser.context, ada);
  const { page, errors } = browser;

  await openTask(page, 'initial_prompt', lang);
  assert.equal(await page.locator('[data-test="task"]').getAttribute('data-kind'), 'initial_prompt');
  // the editor has the focus: writing is the first thing to do
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.test), 'editor');
  // plurals follow the number
  await write(page, 'Hallo');
  assert.match(await page.locator('[data-test="length"]').innerText(), /^1 word ·/);
  // past the limit, the editor says by how much and the review waits
  await write(page, 'x'.repeat(2010));
  assert.match(await page.locator('[data-test="too-long"]').innerText(), /^10 characters over the limit/);
  assert.equal(await page.locator('[data-test="review"]').isDisabled(), true);
  assert.match(await page.locator('[data-test="submission-language"]').innerText(), /Deutsch/);
  const text = unique('Wie erkläre ich einem Kind, **warum** der Himmel blau ist? Bitte mit einem einfachen Beispiel.');
  await write(page, text);
  assert.match(await page.locator('[data-test="length"]').innerText(), /^16 words/);
  await page.getByRole('tab', { name: 'Preview' }).click();
  assert.equal(await page.locator('[data-test="preview"] strong').innerText(), 'warum');
  await page.getByRole('tab', { name: 'Write' }).click();
  await screenshot(page, 'task-initial-prompt');

  const first = await taskId(page);
  await page.locator('[data-test="editor"]').press('Control+Enter');
  await page.locator('[data-test="submit"]').waitFor();
  // in review the focus is on Submit (moved there once the review has rendered)
  await page.waitForFunction(() => document.activeElement?.dataset.test === 'submit', null, { timeout: 5_000 })
    .catch(() => {});
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.test), 'submit');
  await page.keyboard.press('Control+Enter');
  await nextTaskLoaded(page, first);
  // a thank-you stays above the next task
  await page.locator('[data-test="saved"]').waitFor();
  assert.equal(sql(`select count(*) from message where text = ${quote(text)} and lang = '${lang}'`), '1');
  noPageErrors(errors);
});
