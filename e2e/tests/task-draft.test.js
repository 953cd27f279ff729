// A draft survives a reload: the same task comes back with the text typed before.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser } from '../support/browser.js';
import { ApiUser, signInBrowser, LANGS } from '../support/api.js';
import { openTask, write, taskId, unique } from '../support/act.js';

const lang = LANGS.draft;
let browser;
after(async () => { await browser?.close(); });

test('a reload in the middle of writing keeps the task and the draft', async () => {
  const ada = await ApiUser.create('ada', { languages: [lang] });
  browser = await openBrowser();
  await signInBrowser(browser.context, ada);
  const { page } = browser;
  await openTask(page, 'initial_prompt', lang);
  const before = await taskId(page);
  const draft = unique('Hur planerar jag en vandring i fjällen för första gången?');
  await write(page, draft);
  // the draft is saved on every change; give the effect a moment
  await page.waitForFunction((id) => localStorage.getItem(`grove.draft.${id}`)?.includes('fjällen'), before);
  await page.reload();
  await page.waitForSelector('body[data-hydrated="true"]');
  assert.equal(await taskId(page), before, 'the reserved task comes back');
  await page.waitForFunction((text) => document.querySelector('[data-test="editor"]').value === text, draft);
});
