// An admin pauses new conversations in one language from the moderation overview: annotators
// of that language are told why and get no first-prompt task; resuming brings them back.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, screenshot } from '../support/browser.js';
import { ApiUser, signInBrowser, moderator, LANGS } from '../support/api.js';
import { visit, openTask } from '../support/act.js';
import { sql } from '../support/db.js';
import { noPageErrors } from '../support/check.js';

const lang = LANGS.pause;
const browsers = [];
after(async () => { await Promise.all(browsers.map((b) => b.close())); });

test('an admin pauses and resumes new conversations in a language', async () => {
  const admin = await moderator('root', 'admin');
  const writer = await ApiUser.create('sara', { languages: [lang] });
  const adminBrowser = await openBrowser();
  const writerBrowser = await openBrowser();
  browsers.push(adminBrowser, writerBrowser);
  await signInBrowser(adminBrowser.context, admin);
  await signInBrowser(writerBrowser.context, writer);
  const { page } = adminBrowser;

  await visit(page, '/moderation');
  const card = page.locator('[data-test="language-pauses"]');
  await card.locator('[data-test="pause-lang"]').selectOption(lang);
  await card.locator('[data-test="pause-prompts"]').click();
  await card.locator(`[data-test="paused-${lang}"]`).waitFor();
  assert.equal(sql(`select count(*) from language_pause where lang = '${lang}'`), '1');
  await screenshot(page, 'moderation-languages');

  // the writer is told why, and asking for a first prompt finds nothing
  const writerPage = writerBrowser.page;
  await visit(writerPage, '/dashboard');
  await writerPage.locator(`[data-test="tasks-${lang}"] [data-test="prompts-paused"]`).waitFor();
  assert.match(await writerPage.locator('[data-test="prompts-paused"]').innerText(), /paused by the admins/);
  await openTask(writerPage, 'initial_prompt', lang);
  assert.equal(await writerPage.locator('[data-test="no-task"]').count(), 1);

  await card.locator(`[data-test="resume-${lang}"]`).click();
  await card.locator(`[data-test="paused-${lang}"]`).waitFor({ state: 'detached' });
  await openTask(writerPage, 'initial_prompt', lang);
  assert.equal(await writerPage.locator('[data-test="task"]').getAttribute('data-kind'), 'initial_prompt');
  assert.ok(Number(sql(`select count(*) from audit_log where action like 'language.%'`)) >= 2);
  noPageErrors(adminBrowser.errors);
  noPageErrors(writerBrowser.errors);
});
