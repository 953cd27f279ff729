// A newcomer on a slow link fills in the registration form while the WebAssembly is still
// downloading: when the app takes the page over, what they typed is still in the form (and the
// strength meter judges it), and "Create account" registers them. Then the same for logging in.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser } from '../support/browser.js';
import { field, button, byTest } from '../support/find.js';
import { uniqueName, PASSWORD } from '../support/act.js';
import { atPath } from '../support/check.js';

let browser;
after(async () => { await browser?.close(); });

/** Fast 3G without cache: the app takes seconds to arrive. */
async function slowLink(page, context) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 150, downloadThroughput: 200_000, uploadThroughput: 93_750,
  });
  return async () => cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1,
  });
}

/** Opens `path` on a slow link, types the credentials before the app arrives, waits for it, and
 *  checks that both fields still hold what was typed. */
async function typeBeforeHydration(page, context, path, name, password) {
  const fastAgain = await slowLink(page, context);
  await page.goto(path, { waitUntil: 'domcontentloaded' });
  await field(page, 'Username').fill(name);
  await field(page, 'Password').fill(password);
  assert.equal(await page.getAttribute('body', 'data-hydrated'), null, 'typed before hydration');
  await page.waitForSelector('body[data-hydrated="true"]', { timeout: 60_000 });
  await fastAgain();
  assert.equal(await field(page, 'Username').inputValue(), name, 'the username survived hydration');
  assert.equal(await field(page, 'Password').inputValue(), password, 'the password survived hydration');
}

test('registering and logging in with what was typed before the page was ready', async () => {
  browser = await openBrowser();
  const { page, context } = browser;
  const name = uniqueName('slowpoke');
  const password = `${PASSWORD}-typed-early`;

  await typeBeforeHydration(page, context, '/register', name, password);
  // the strength meter judges the password that is in the field
  await page.waitForFunction(
    () => (document.querySelector('[data-test="password-strength"]')?.textContent ?? '').trim() !== '',
  );
  await button(page, 'Create account').click();
  await atPath(page, '/terms');

  // signed out again (a new visit without the session), then log in on a slow link
  await page.context().clearCookies();
  await typeBeforeHydration(page, context, '/login', name, password);
  await button(page, 'Log in').click();
  await atPath(page, '/terms');
  await byTest(page, 'nav-username').waitFor();

  // the account's languages: the server's page shows the boxes ticked as they are, and one
  // ticked before the app arrives stays ticked and is saved
  await button(page, 'I accept').click();
  await atPath(page, '/dashboard');
  const fastAgain = await slowLink(page, context);
  await page.goto('/account', { waitUntil: 'domcontentloaded' });
  const box = (tag) => page.locator(`[data-test="account-language"][value="${tag}"]`);
  assert.ok(await box('en').isChecked(), 'the server renders the account\'s language ticked');
  await box('ca').check();
  assert.equal(await page.getAttribute('body', 'data-hydrated'), null, 'ticked before hydration');
  await page.waitForSelector('body[data-hydrated="true"]', { timeout: 60_000 });
  await fastAgain();
  assert.ok(await box('ca').isChecked(), 'the box ticked early survived hydration');
  await byTest(page, 'save-languages').click();
  await byTest(page, 'languages-saved').waitFor();
  await page.reload();
  await page.waitForSelector('body[data-hydrated="true"]');
  assert.ok(await box('ca').isChecked() && await box('en').isChecked(), 'both languages saved');
});
