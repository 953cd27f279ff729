// Replying as the assistant: the conversation with the last message highlighted, then the
// reply stored under it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, screenshot } from '../support/browser.js';
import { ApiUser, signInBrowser, LANGS } from '../support/api.js';
import { openTask, write, reviewAndSubmit, taskId, nextTaskLoaded, unique } from '../support/act.js';
import { sql, quote } from '../support/db.js';

const lang = LANGS.assistant;
let browser;
after(async () => { await browser?.close(); });

test('an annotator replies as the assistant to the highlighted message', async () => {
  const [ada, bob, cyd] = await Promise.all(['ada', 'bob', 'cyd'].map((n) => ApiUser.create(n, { languages: [lang] })));
  const prompt = unique('Comment fonctionne un arc-en-ciel, et pourquoi est-il courbé ?');
  await ada.write('initial_prompt', lang, prompt);
  await bob.review('label_initial_prompt', lang);

  browser = await openBrowser();
  await signInBrowser(browser.context, cyd);
  const { page } = browser;
  await openTask(page, 'assistant_reply', lang);
  const shown = await page.locator('[data-test="highlighted-message"]').innerText();
  assert.ok(shown.includes(prompt), shown);
  const reply = unique('La lumière du soleil se réfracte dans les gouttes de pluie, se réfléchit puis se disperse en couleurs.');
  await write(page, reply);
  await screenshot(page, 'task-assistant-reply');
  const first = await taskId(page);
  await reviewAndSubmit(page);
  await nextTaskLoaded(page, first);
  assert.equal(
    sql(`select r.role || ':' || (r.parent_id = p.message_id) from message r join message p on p.text = ${quote(prompt)} where r.text = ${quote(reply)}`),
    'assistant:true',
  );
});
