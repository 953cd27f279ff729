// Assertions about what the user sees.
import assert from 'node:assert/strict';

/** Waits for the page to be at `path` (client-side navigations included). */
export async function atPath(page, path) {
  await page.waitForURL((url) => url.pathname === path);
  assert.equal(new URL(page.url()).pathname, path);
}

/** Waits until the locator shows `text`, then asserts it. */
export async function showsText(locator, text) {
  await locator.filter({ hasText: text }).first().waitFor();
  assert.match(await locator.first().innerText(), new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
}

export function noPageErrors(errors) {
  assert.deepEqual(errors, [], 'the page logged errors');
}
