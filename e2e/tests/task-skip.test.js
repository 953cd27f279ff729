// Skipping with a reason: the item never comes back.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser } from '../support/browser.js';
import { ApiUser, signInBrowser, LANGS } from '../support/api.js';
import { openTask } from '../support/act.js';
import { sql } from '../support/db.js';

const lang = LANGS.skip;
let browser;
after(async () => { await browser?.close(); });

test('a skipped review is never offered again', async () => {
  const [ada, bob] = await Promise.all(['ada', 'bob'].map((n) => ApiUser.create(n, { languages: [lang] })));
  await ada.write('initial_prompt', lang, 'Qual é a melhor maneira de aprender a tocar violão?');
  browser = await openBrowser();
  await signInBrowser(browser.context, bob);
  const { page } = browser;
  await openTask(page, 'label_initial_prompt', lang);
  // a real modal: focus moves in, Escape closes it, focus returns to Skip
  await page.locator('[data-test="skip"]').click();
  const dialog = page.locator('[data-test="skip-dialog"]');
  await dialog.waitFor();
  assert.ok(await dialog.evaluate((d) => d.open && d.matches(':modal') && d.contains(document.activeElement)));
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  assert.equal(await page.evaluate(() => document.activeElement?.dataset?.test), 'skip');
  // the label sits beside its radio
  await page.locator('[data-test="skip"]').click();
  const radio = dialog.getByLabel('It is not in my language');
  const [box, label] = await Promise.all([radio.boundingBox(), dialog.locator('label.choice', { hasText: 'It is not in my language' }).boundingBox()]);
  assert.ok(box.y - label.y < 20, 'radio and text on one line');
  await radio.check();
  await page.locator('[data-test="confirm-skip"]').click();
  await page.waitForFunction(() => document.querySelector('[data-test="no-task"]'));
  await openTask(page, 'label_initial_prompt', lang);
  assert.equal(await page.locator('[data-test="no-task"]').count(), 1);
  assert.equal(sql(`select skip_reason from task where user_id = (select user_id from app_user where username = '${bob.name}')`), 'not_my_language');
});
