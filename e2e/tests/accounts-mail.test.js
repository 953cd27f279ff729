// Sign-in help by e-mail, against the real SMTP server the test command runs: a new address
// is verified through its mail; a forgotten password is reset through a delivered link, which
// then works no more; a sign-in link signs in once and not twice; an unknown address gets the
// same answer and no mail.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, screenshot } from '../support/browser.js';
import { visit, uniqueName, logIn } from '../support/act.js';
import { field, button, byTest } from '../support/find.js';
import { hasMail, waitForMail, linkIn, mailsTo } from '../support/mail.js';

let browser;
after(async () => { await browser?.close(); });

const signedOut = async (page) => {
  await page.context().clearCookies();
};

test('a forgotten password is reset through a delivered mail, and a sign-in link works once', { skip: !hasMail && 'no SMTP server in this run' }, async () => {
  browser = await openBrowser();
  const { page } = browser;
  const name = uniqueName('mail');
  const email = `${name}@example.test`;

  // registering with an address sends a verification link; the link verifies it
  await visit(page, '/register');
  await field(page, 'Username').fill(name);
  await page.locator('input[name="email"]').fill(email);
  await field(page, 'Password').fill('Tide-Pool-Otter-93-Kelp');
  await button(page, 'Create account').click();
  await page.waitForURL('**/terms');
  const verification = await waitForMail(email);
  assert.match(verification.subject, /Confirm/);
  await visit(page, linkIn(verification, '/verify?token='));
  await byTest(page, 'email-verified').waitFor();
  assert.match(await byTest(page, 'email-verified').innerText(), new RegExp(email));

  // a forgotten password: the login page leads to the form, the mail to the new password
  await signedOut(page);
  await visit(page, '/login');
  await byTest(page, 'forgot-link').click();
  await page.waitForURL('**/forgot');
  await page.waitForSelector('body[data-hydrated="true"]');
  await page.locator('input[name="email"]').fill(email.toUpperCase());
  await button(page, 'Send the link').click();
  await byTest(page, 'link-sent').waitFor();
  const reset = await waitForMail(email, 2);
  assert.match(reset.subject, /Reset/);
  const resetLink = linkIn(reset, '/reset?token=');
  await visit(page, resetLink);
  await page.locator('input[name="new_password"]').fill('Lantern-Moss-Quarry-48');
  await screenshot(page, 'password-reset');
  await button(page, 'Set the password and sign in').click();
  await page.waitForURL('**/terms');
  // the new password logs in, the link is spent
  await signedOut(page);
  await logIn(page, name, 'Lantern-Moss-Quarry-48');
  await page.waitForURL(/\/(terms|dashboard)$/);
  await signedOut(page);
  await visit(page, resetLink);
  await byTest(page, 'link-expired').waitFor();

  // a sign-in link: once, and not twice
  await visit(page, '/login/email');
  await page.locator('input[name="email"]').fill(email);
  await button(page, 'Send the link').click();
  await byTest(page, 'link-sent').waitFor();
  const signIn = await waitForMail(email, 3);
  const signInLink = linkIn(signIn, '/login/link?token=');
  await visit(page, signInLink);
  await button(page, 'Sign in').click();
  await page.waitForURL(/\/(terms|dashboard)$/);
  const me = await page.evaluate(async () => (await fetch('/api/me', { method: 'POST' })).json());
  assert.equal(me?.username, name);
  await signedOut(page);
  await visit(page, signInLink);
  await byTest(page, 'link-expired').waitFor();

  // an address nobody has gets the same answer, and no mail
  const stranger = `${uniqueName('nobody')}@example.test`;
  await visit(page, '/forgot');
  await page.locator('input[name="email"]').fill(stranger);
  await button(page, 'Send the link').click();
  await byTest(page, 'link-sent').waitFor();
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(mailsTo(stranger).length, 0);
});
