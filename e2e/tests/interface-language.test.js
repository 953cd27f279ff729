// The interface language is separate from the contribution languages: a German interface with
// Spanish and French tasks, the language warning on an English text, the setting following
// the user to a new browser, Accept-Language for visitors, and Arabic right to left.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, screenshot } from '../support/browser.js';
import { ApiUser, signInBrowser } from '../support/api.js';
import { openTask, write, visit, logIn } from '../support/act.js';
import { sql, quote } from '../support/db.js';
import { noPageErrors } from '../support/check.js';

const browsers = [];
after(async () => { await Promise.all(browsers.map((b) => b.close())); });
async function browserWith(options) {
  const browser = await openBrowser(options);
  browsers.push(browser);
  return browser;
}

test('a German interface with Spanish and French tasks warns about an English text', async () => {
  const ines = await ApiUser.create('ines', { languages: ['es', 'fr'] });
  const { context, page, errors } = await browserWith();
  await signInBrowser(context, ines);

  // English first (the browser asks for it), then German from the account page
  await visit(page, '/account');
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  await Promise.all([
    page.waitForURL('**/account'),
    page.waitForEvent('load'),
    page.locator('[data-test="interface-language"] select').selectOption('de'),
  ]);
  await page.locator('body[data-hydrated="true"]').waitFor();
  assert.equal(await page.locator('html').getAttribute('lang'), 'de');
  assert.equal(sql(`select interface_locale from app_user where username = ${quote(ines.name)}`), 'de');
  await page.locator('h1', { hasText: 'Dein Konto' }).waitFor();

  // the dashboard speaks German and offers only Spanish and French tasks
  await visit(page, '/dashboard');
  await page.locator('h1', { hasText: 'Willkommen' }).waitFor();
  assert.match(await page.locator('nav.nav-links').innerText(), /Aufgaben/);
  const sections = await page.locator('[data-test^="tasks-"]').evaluateAll(
    (nodes) => nodes.map((n) => n.dataset.test).filter((t) => /^tasks-[a-zA-Z-]+$/.test(t)),
  );
  assert.deepEqual(sections.sort(), ['tasks-es', 'tasks-fr']);

  // a Spanish task, written in English: the warning, in German
  await openTask(page, 'initial_prompt', 'es');
  assert.equal(await page.locator('[data-test="task-language"]').innerText(), 'Español');
  assert.match(await page.locator('h1').innerText(), /Ein Gespräch beginnen/);
  await write(page, 'How do I explain to a child why the sky is blue? Please use a simple example from everyday life.');
  const warning = page.locator('[data-test="language-warning"]');
  await warning.waitFor();
  assert.match(await warning.innerText(), /Du scheinst auf English zu schreiben.*Español/);
  await screenshot(page, 'interface-german-task-spanish');

  // a task of any kind asked for French is French
  await openTask(page, 'random', 'fr');
  if (await page.locator('[data-test="task"]').count()) {
    assert.equal(await page.locator('[data-test="task-language"]').innerText(), 'Français');
  }
  noPageErrors(errors);
});

test('the saved interface language follows the user to a new browser', async () => {
  const jonas = await ApiUser.create('jonas', { languages: ['es'] });
  await jonas.form('/api/account/interface_locale', { locale: 'de' });
  const { page, errors } = await browserWith();
  await logIn(page, jonas.name);
  // right after the login the page follows the account's language by itself...
  await page.waitForURL('**/dashboard');
  await page.locator('h1', { hasText: 'Willkommen' }).waitFor();
  // ...and the login left the cookie that makes the server render in it
  await visit(page, '/dashboard');
  await page.locator('h1', { hasText: 'Willkommen' }).waitFor();
  assert.equal(await page.locator('html').getAttribute('lang'), 'de');
  noPageErrors(errors);
});

test('visitors get the language their browser asks for, Arabic right to left', async () => {
  const french = await browserWith({ locale: 'fr-FR' });
  await visit(french.page, '/');
  assert.equal(await french.page.locator('html').getAttribute('lang'), 'fr');
  assert.match(await french.page.locator('nav.nav-links').innerText(), /Se connecter/);
  noPageErrors(french.errors);

  const arabic = await browserWith({ locale: 'ar-EG' });
  await visit(arabic.page, '/');
  const html = arabic.page.locator('html');
  assert.equal(await html.getAttribute('lang'), 'ar');
  assert.equal(await html.getAttribute('dir'), 'rtl');
  assert.equal(await arabic.page.evaluate(() => getComputedStyle(document.body).direction), 'rtl');
  await arabic.page.locator('h1', { hasText: 'ازرع محادثات' }).waitFor();
  await screenshot(arabic.page, 'interface-arabic-rtl');
  // an unsupported browser language falls back to English
  const klingon = await browserWith({ locale: 'tlh' });
  await visit(klingon.page, '/');
  assert.equal(await klingon.page.locator('html').getAttribute('lang'), 'en');
  noPageErrors(arabic.errors);
});
