// Journeys of the foundation: register, accept the terms, reach the dashboard, log out and in;
// a wrong password and a banned account are refused; the page is hydrated.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, screenshot } from '../support/browser.js';
import { byTest, button, field } from '../support/find.js';
import { visit, register, logIn, logOut, uniqueName, grove, PASSWORD } from '../support/act.js';
import { atPath, showsText, noPageErrors } from '../support/check.js';

let browser;
before(async () => { browser = await openBrowser(); });
after(async () => { await browser?.close(); });

test('a newcomer registers, accepts the terms, reaches the dashboard, logs out and in again', async () => {
  const { page, errors } = browser;
  const name = uniqueName('ada');
  await register(page, name);
  await atPath(page, '/terms');
  await button(page, 'I accept').click();
  await atPath(page, '/dashboard');
  await showsText(byTest(page, 'dashboard'), `Welcome, ${name}`);
  await showsText(byTest(page, 'nav-username'), name);
  await screenshot(page, 'dashboard');
  // "Log out" (a button in a form) sits on the line of the navigation's links
  const [out, user] = await Promise.all([byTest(page, 'logout').boundingBox(), byTest(page, 'nav-username').boundingBox()]);
  assert.ok(Math.abs(out.y + out.height / 2 - (user.y + user.height / 2)) <= 1, `Log out is off the line: ${JSON.stringify([out, user])}`);

  await logOut(page);
  await atPath(page, '/');
  await byTest(page, 'logout').waitFor({ state: 'detached' });

  await logIn(page, name);
  await atPath(page, '/dashboard');
  await showsText(byTest(page, 'dashboard'), `Welcome, ${name}`);
  noPageErrors(errors);
  await logOut(page);
  await atPath(page, '/');
});

test('a wrong password shows a clear error and keeps the visitor logged out', async () => {
  const { page } = browser;
  const name = uniqueName('bob');
  grove('user', 'create', '--username', name, '--password-stdin', '--accept-terms');
  await logIn(page, name, 'not-the-password');
  const error = page.getByRole('alert');
  await showsText(error, 'Unknown username or wrong password.');
  assert.equal(await error.getAttribute('data-code'), 'invalid_credentials');
  await atPath(page, '/login');
});

test('a banned user cannot log in', async () => {
  const { page } = browser;
  const name = uniqueName('mallory');
  grove('user', 'create', '--username', name, '--password-stdin', '--accept-terms');
  grove('user', 'ban', name);
  await logIn(page, name, PASSWORD);
  const error = page.getByRole('alert');
  await showsText(error, 'This account is banned.');
  assert.equal(await error.getAttribute('data-code'), 'account_banned');
  await atPath(page, '/login');
});

test('the page is hydrated: the strength meter reacts and forms submit without reloading', async () => {
  const { page } = browser;
  await visit(page, '/register');
  const meter = byTest(page, 'password-strength');
  assert.equal((await meter.innerText()).trim(), 'Enter a password');
  // a common password: once typing pauses the server says why it would be refused
  await field(page, 'Password').fill('Password1!');
  await byTest(page, 'password-reason').getByText(/common/).waitFor();
  await showsText(meter, 'Too weak');
  await field(page, 'Password').fill('');
  await field(page, 'Password').pressSequentially('abc');
  await showsText(meter, 'Too weak');
  await field(page, 'Password').pressSequentially('-lemon-Stand-9');
  await showsText(meter, 'Strong');

  // A rejected registration answers in place: no navigation, the typed values stay.
  let navigated = false;
  page.on('framenavigated', (frame) => { if (frame === page.mainFrame()) navigated = true; });
  await field(page, 'Username').fill('x');
  await page.locator('form[data-test="register-form"] input[name="username"]').evaluate((el) => el.removeAttribute('minlength'));
  await button(page, 'Create account').click();
  const error = page.getByRole('alert');
  await error.waitFor();
  assert.equal(await error.getAttribute('data-code'), 'invalid_username');
  assert.equal(navigated, false, 'the form was submitted by the hydrated app, not by a page load');
  assert.equal(await field(page, 'Password').inputValue(), 'abc-lemon-Stand-9');
});
