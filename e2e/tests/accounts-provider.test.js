// Sign-in through an identity provider, against the real OpenID Connect provider the test
// command runs (oidc-provider from npm; e2e/support/oidc-provider.mjs): a first sign-in makes
// an account, the next one signs in to it; an account whose verified address the provider
// vouches for is linked only after its owner says yes; a callback with a forged state is
// refused with the reason.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, screenshot, BASE_URL } from '../support/browser.js';
import { visit, uniqueName } from '../support/act.js';
import { field, button, byTest } from '../support/find.js';
import { atPath } from '../support/check.js';
import { hasMail, waitForMail, linkIn } from '../support/mail.js';

const hasProvider = Boolean(process.env.E2E_OIDC_ISSUER);
let browser;
after(async () => { await browser?.close(); });

/** At the provider: its sign-in page (any password), then its consent page, until the browser
 *  is back on Grove. */
async function atProvider(page, login) {
  const atIssuer = (url) => new URL(url).origin === new URL(process.env.E2E_OIDC_ISSUER).origin;
  await page.waitForURL(atIssuer);
  for (let step = 0; step < 4; step++) {
    await page.waitForLoadState('load');
    if (!atIssuer(page.url())) break;
    const loginField = page.locator('input[name="login"]');
    if (await loginField.count()) {
      await loginField.fill(login);
      await page.locator('input[name="password"]').fill('anything');
    }
    const before = page.url();
    await Promise.all([
      page.waitForURL((url) => url.href !== before),
      page.locator('button[type="submit"]').first().click(),
    ]);
  }
  await page.waitForURL((url) => url.origin === new URL(BASE_URL).origin);
}

const me = (page) => page.evaluate(async () => (await fetch('/api/me', { method: 'POST' })).json());

test('a person signs in through the OpenID provider: a new account, then the same one', { skip: !hasProvider && 'no OpenID provider in this run' }, async () => {
  browser = await openBrowser();
  const { page } = browser;
  const login = uniqueName('oidc');

  await visit(page, '/login');
  await byTest(page, 'provider-e2e').click();
  await atProvider(page, login);
  await atPath(page, '/terms');
  await button(page, 'I accept').click();
  await atPath(page, '/dashboard');
  const first = await me(page);
  assert.equal(first?.username, login);
  await screenshot(page, 'signed-in-through-provider');

  // signed out everywhere (Grove's and the provider's cookies): the same person, same account
  await page.context().clearCookies();
  await visit(page, '/login');
  await byTest(page, 'provider-e2e').click();
  await atProvider(page, login);
  await atPath(page, '/dashboard');
  assert.equal((await me(page))?.username, login);

  // the account page lists the provider as a way in
  await visit(page, '/account/sign-in');
  await byTest(page, 'linked-e2e').waitFor();

  // a callback nobody started here is refused, and the page says why
  await page.context().clearCookies();
  await page.goto('/auth/e2e/callback?code=forged&state=forged');
  await atPath(page, '/login');
  await byTest(page, 'sso-error').waitFor();
  assert.equal(await byTest(page, 'sso-error').getAttribute('data-code'), 'sso_state_invalid');
  assert.equal(await me(page), null);
});

test('an account with the address the provider vouches for is linked only after its owner says yes', { skip: (!hasProvider || !hasMail) && 'needs the OpenID provider and the SMTP server' }, async () => {
  browser ??= await openBrowser();
  const { page } = browser;
  await page.context().clearCookies();
  const name = uniqueName('owner');
  const email = `${name}@example.test`;

  // an account with a verified address (the provider says `<login>@example.test`)
  await visit(page, '/register');
  await field(page, 'Username').fill(name);
  await page.locator('input[name="email"]').fill(email);
  await field(page, 'Password').fill('Harbor-Finch-Quill-62');
  await button(page, 'Create account').click();
  await atPath(page, '/terms');
  await button(page, 'I accept').click();
  await atPath(page, '/dashboard');
  await visit(page, linkIn(await waitForMail(email), '/verify?token='));
  await byTest(page, 'email-verified').waitFor();
  await page.context().clearCookies();

  // signing in at the provider as the same address: Grove asks first, and "no" links nothing
  await visit(page, '/login');
  await byTest(page, 'provider-e2e').click();
  await atProvider(page, name);
  await atPath(page, '/login/connect');
  await page.waitForSelector('body[data-hydrated="true"]');
  await byTest(page, 'connect-explain').waitFor();
  assert.match(await byTest(page, 'connect-explain').innerText(), new RegExp(email));
  await screenshot(page, 'link-provider-question');
  await byTest(page, 'connect-cancel').locator('button').click();
  await page.waitForURL((url) => !url.pathname.startsWith('/login/connect'));
  assert.equal(await me(page), null);

  // asked again, "yes": linked, and signed in to the existing account
  await page.context().clearCookies();
  await visit(page, '/login');
  await byTest(page, 'provider-e2e').click();
  await atProvider(page, name);
  await atPath(page, '/login/connect');
  await page.waitForSelector('body[data-hydrated="true"]');
  await byTest(page, 'connect-confirm').locator('button').click();
  await page.waitForURL(/\/dashboard$/);
  assert.equal((await me(page))?.username, name);

  // from now on the provider signs in to it directly
  await page.context().clearCookies();
  await visit(page, '/login');
  await byTest(page, 'provider-e2e').click();
  await atProvider(page, name);
  await atPath(page, '/dashboard');
  assert.equal((await me(page))?.username, name);
  // and the password still works too
  await page.context().clearCookies();
  await visit(page, '/login');
  await field(page, 'Username').fill(name);
  await field(page, 'Password').fill('Harbor-Finch-Quill-62');
  await button(page, 'Log in').click();
  await atPath(page, '/dashboard');
});
