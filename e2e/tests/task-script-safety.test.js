// Messages are rendered as sanitised Markdown: a script or an event handler in a message never
// runs, wherever it is shown.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser } from '../support/browser.js';
import { ApiUser, signInBrowser, LANGS } from '../support/api.js';
import { openTask, visit, unique } from '../support/act.js';
import { sql, quote } from '../support/db.js';

const lang = LANGS.script;
let browser;
after(async () => { await browser?.close(); });

test('a script tag in a message never executes', async () => {
  const [ada, bob] = await Promise.all(['ada', 'bob'].map((n) => ApiUser.create(n, { languages: [lang] })));
  const attack = unique('Miten tämä toimii? <script>window.__pwned = 1</script> <img src=x onerror="window.__pwned = 2"> [klikkaa](javascript:window.__pwned=3)');
  await ada.write('initial_prompt', lang, attack);
  browser = await openBrowser();
  await signInBrowser(browser.context, bob);
  const { page } = browser;
  let dialogs = 0;
  page.on('dialog', (dialog) => { dialogs += 1; dialog.dismiss(); });

  await openTask(page, 'label_initial_prompt', lang);
  const shown = page.locator('[data-test="highlighted-message"] .markdown');
  assert.match(await shown.innerText(), /<script>window.__pwned = 1<\/script>/, 'the tag shows as text');
  assert.equal(await shown.locator('script, img').count(), 0);
  await shown.getByText('klikkaa').click().catch(() => {});

  const id = sql(`select message_id from message where text = ${quote(attack)}`);
  await visit(page, `/messages/${id}`);
  assert.equal(await page.locator('.markdown script, .markdown img').count(), 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(dialogs, 0);
});
