// Continuing a conversation as the user, under an accepted assistant reply.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, screenshot } from '../support/browser.js';
import { ApiUser, signInBrowser, LANGS } from '../support/api.js';
import { openTask, write, reviewAndSubmit, taskId, nextTaskLoaded, unique } from '../support/act.js';
import { sql, quote } from '../support/db.js';

const lang = LANGS.prompter;
let browser;
after(async () => { await browser?.close(); });

test('an annotator replies as the user to the assistant', async () => {
  const [ada, bob, cyd] = await Promise.all(['ada', 'bob', 'cyd'].map((n) => ApiUser.create(n, { languages: [lang] })));
  await ada.write('initial_prompt', lang, '¿Cómo preparo una buena tortilla de patatas?');
  await bob.review('label_initial_prompt', lang);
  await bob.write('assistant_reply', lang, 'Corta las patatas finas, fríelas despacio y mézclalas con huevo batido.');
  await ada.review('label_assistant_reply', lang);

  browser = await openBrowser();
  await signInBrowser(browser.context, cyd);
  const { page } = browser;
  await openTask(page, 'prompter_reply', lang);
  assert.match(await page.locator('[data-test="highlighted-message"]').innerText(), /Corta las patatas/);
  const reply = unique('¿Y cuánto tiempo debo dejarla en la sartén por cada lado?');
  await write(page, reply);
  await screenshot(page, 'task-prompter-reply');
  const first = await taskId(page);
  await reviewAndSubmit(page);
  await nextTaskLoaded(page, first);
  assert.equal(sql(`select role || ':' || depth from message where text = ${quote(reply)}`), 'prompter:2');
});
