// What a volunteer downloads: the volunteer bundle and only their interface language's texts;
// the moderation and statistics pages come with the full bundle, also after a click from a
// volunteer page; moderators get the full bundle everywhere. The dashboard explains each kind
// of task and links to the writing guidelines.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, screenshot } from '../support/browser.js';
import { ApiUser, signInBrowser, moderator } from '../support/api.js';
import { visit } from '../support/act.js';

const browsers = [];
after(async () => { for (const b of browsers) await b.close(); });

/** A browser whose requests for front-end files are recorded. */
async function recording(options) {
  const b = await openBrowser(options);
  browsers.push(b);
  b.loaded = [];
  b.page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.startsWith('/pkg/') || path.startsWith('/texts/')) b.loaded.push(path);
  });
  return b;
}

const wasm = (loaded) => loaded.filter((p) => p.endsWith('.wasm'));
const texts = (loaded) => loaded.filter((p) => p.startsWith('/texts/'));

test('a visitor gets the volunteer bundle and the texts of their language only', async () => {
  const b = await recording({ locale: 'de-DE' });
  await visit(b.page, '/');
  assert.equal(await b.page.getAttribute('html', 'lang'), 'de');
  const [bundle] = wasm(b.loaded);
  assert.match(bundle, /^\/pkg\/grove\.[0-9a-f]+\.wasm$/, 'the volunteer bundle, not the full one');
  assert.deepEqual(texts(b.loaded).map((p) => p.split('/')[2].split('.')[0]), ['de']);
  const response = await b.page.request.get(texts(b.loaded)[0]);
  assert.match(response.headers()['cache-control'], /immutable/);
});

test('a volunteer clicking through to the statistics gets them with the full bundle', async () => {
  const ada = await ApiUser.create('bundle');
  const b = await recording();
  await signInBrowser(b.context, ada);
  await visit(b.page, '/dashboard');
  // every kind of task says what it asks, and the guidelines are a click away
  const hints = b.page.locator('[data-test="kind-hint"]');
  if (await hints.count()) assert.notEqual((await hints.first().innerText()).trim(), '');
  await b.page.locator('[data-test="guidelines-link"]').click();
  await b.page.locator('[data-test="guidelines"] h2').first().waitFor();
  assert.equal(new URL(b.page.url()).pathname, '/guidelines');
  await screenshot(b.page, 'guidelines');
  await b.page.getByRole('link', { name: 'Statistics' }).click();
  await b.page.waitForURL('**/stats');
  await b.page.locator('[data-test="charts"]').waitFor();
  await b.page.waitForSelector('body[data-hydrated="true"]');
  assert.ok(wasm(b.loaded).some((p) => p.endsWith('.full.wasm')), `loaded ${wasm(b.loaded)}`);
});

test('a moderator gets the full bundle on volunteer pages too', async () => {
  const mod = await moderator();
  const b = await recording();
  await signInBrowser(b.context, mod);
  await visit(b.page, '/dashboard');
  assert.ok(wasm(b.loaded).every((p) => p.endsWith('.full.wasm')), `loaded ${wasm(b.loaded)}`);
});
