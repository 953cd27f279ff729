// What a user does: visit, wait for hydration, fill forms, run the grove CLI for set-up.
import { execFileSync } from 'node:child_process';
import { field, button, byTest } from './find.js';
import { checkAccessibility } from './a11y.js';

/** Opens a path, waits until the WebAssembly has hydrated the page, and checks its
 *  accessibility (axe-core). */
export async function visit(page, path) {
  await page.goto(path);
  await page.waitForSelector('body[data-hydrated="true"]');
  await checkAccessibility(page);
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

/** Opens a task page of `kind` ("random" for any) in `lang` and waits for the task. */
export async function openTask(page, kind, lang) {
  await visit(page, `/tasks/${kind}?lang=${lang}`);
  await page.locator('[data-test="task"], [data-test="no-task"]').first().waitFor();
  await checkAccessibility(page);
}

/** Types into the Markdown editor. */
export async function write(page, text) {
  await page.locator('[data-test="editor"]').fill(text);
}

/** Review, then submit, with the buttons; waits for the confirmation. */
export async function reviewAndSubmit(page) {
  await page.locator('[data-test="review"]').click();
  await page.locator('[data-test="submit"]').click();
}

/** Waits until the next task (or the no-task notice) replaced the one just submitted. */
export async function nextTaskLoaded(page, previousTaskId) {
  await page.waitForFunction(
    (previous) => {
      const task = document.querySelector('[data-test="task"]');
      return document.querySelector('[data-test="no-task"]') || (task && task.dataset.taskId !== previous);
    },
    previousTaskId,
  );
}

export const taskId = (page) => page.locator('[data-test="task"]').getAttribute('data-task-id');

const RUN = Date.now().toString(36);
/** A text no earlier run stored, so database checks find exactly this one. */
export const unique = (text) => `${text} (${RUN})`;
