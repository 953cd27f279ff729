// The shell: unknown pages, guarded pages, health, and the layout on a phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, screenshot, BASE_URL } from '../support/browser.js';
import { byTest } from '../support/find.js';
import { visit } from '../support/act.js';
import { atPath, showsText } from '../support/check.js';

let browser;
before(async () => { browser = await openBrowser({ viewport: { width: 390, height: 844 } }); });
after(async () => { await browser?.close(); });

test('an unknown address shows the not-found page with status 404', async () => {
  const { page } = browser;
  const response = await page.goto('/no/such/page');
  assert.equal(response.status(), 404);
  await showsText(byTest(page, 'not-found'), 'Page not found');
});

test('guarded pages send anonymous visitors to the login page', async () => {
  const { page } = browser;
  for (const path of ['/dashboard', '/account', '/moderation']) {
    await page.goto(path);
    await atPath(page, '/login');
  }
});

test('health answers ok while the database does', async () => {
  const response = await fetch(`${BASE_URL}/healthz`);
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { status: 'ok' });
});

test('on a phone the navigation folds into a menu', async () => {
  const { page } = browser;
  await visit(page, '/');
  const tasks = page.getByRole('link', { name: 'Tasks' });
  assert.equal(await tasks.isVisible(), false);
  await page.getByRole('button', { name: 'Menu' }).click();
  await tasks.waitFor({ state: 'visible' });
  await screenshot(page, 'home-phone');
});
