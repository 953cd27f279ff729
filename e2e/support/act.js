// What a user does: visit, wait for hydration, fill forms, run the grove CLI for set-up.
import { execFileSync } from 'node:child_process';
import { field, button, byTest } from './find.js';

/** Opens a path and waits until the WebAssembly has hydrated the page. */
export async function visit(page, path) {
  await page.goto(path);
  await page.waitForSelector('body[data-hydrated="true"]');
}

let counter = 0;
/** A username no other test uses. */
export const uniqueName = (prefix) => `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`;

export const PASSWORD = 'lemon-stand-7';

export async function register(page, username, password = PASSWORD) {
  await visit(page, '/register');
  await field(page, 'Username').fill(username);
  await field(page, 'Password').fill(password);
  await button(page, 'Create account').click();
}

export async function logIn(page, username, password = PASSWORD) {
  await visit(page, '/login');
  await field(page, 'Username').fill(username);
  await field(page, 'Password').fill(password);
  await button(page, 'Log in').click();
}

export async function logOut(page) {
  await byTest(page, 'logout').click();
}

/** Runs the grove binary against the test database (account set-up the UI cannot do yet). */
export function grove(...args) {
  const bin = process.env.E2E_GROVE_BIN;
  if (!bin) throw new Error('E2E_GROVE_BIN is not set: run the suite through ./scripts/test.sh');
  return execFileSync(bin, args, { env: process.env, encoding: 'utf8', input: `${PASSWORD}\n` });
}
