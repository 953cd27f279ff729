// A moderator starts a dataset export on the dashboard, watches it finish and downloads the
// gzip file; the file parses as oasst JSONL, holds the tree and leaks no username. The form
// says what its filters leave out.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { openBrowser, screenshot } from '../support/browser.js';
import { ApiUser, signInBrowser, moderator, LANGS } from '../support/api.js';
import { visit, unique } from '../support/act.js';

const lang = LANGS.export;
let browser;
after(async () => { await browser?.close(); });

test('a moderator exports the dataset and downloads a file that parses', async () => {
  const [ada, bob] = await Promise.all(['ada', 'bob'].map((n) => ApiUser.create(n, { languages: [lang] })));
  const text = unique('Γιατί ο ουρανός είναι μπλε;');
  await ada.write('initial_prompt', lang, text);
  await bob.review('label_initial_prompt', lang);
  const mod = await moderator();

  browser = await openBrowser();
  await signInBrowser(browser.context, mod);
  const { page } = browser;
  await visit(page, '/moderation/export');
  // the form is the app's (its content is taken over after the body's data-hydrated)
  await page.locator('[data-test="export-form"][data-ready="true"]').waitFor();
  await page.locator('[data-test="export-format"]').selectOption('trees');
  // the new tree is still growing: the default states leave it out, and the form says so
  await page.locator('[data-test="export-langs"]').fill(lang);
  const leftOut = page.locator('[data-test="export-left-out"]');
  await leftOut.filter({ hasText: 'Trees in other states' }).waitFor();
  assert.match(await leftOut.innerText(), /growing \d+/i);
  assert.match(await leftOut.innerText(), /tick them under “Tree states”/);
  // states are boxes to tick; with none ticked nothing can start
  const ready = page.locator('[data-test="export-state"][value="ready_for_export"]');
  assert.ok(await ready.isChecked());
  await ready.uncheck();
  await page.locator('[data-test="export-no-state"]').waitFor();
  assert.ok(await page.locator('[data-test="start-export"]').isDisabled());
  await page.locator('[data-test="export-all-states"]').click();
  assert.equal(await page.locator('[data-test="export-state"]:checked').count(), 10);
  await leftOut.filter({ hasText: 'Trees in other states' }).waitFor({ state: 'detached' });
  await page.locator('[data-test="start-export"]').click();
  const link = page.locator('[data-test="export-job"]').first().locator('[data-test="download"]');
  await link.waitFor({ timeout: 20_000 });
  await screenshot(page, 'moderation-export');
  // the job's line says what it was asked for and how large its file is
  const job = page.locator('[data-test="export-job"]').first();
  assert.equal(await job.locator('[data-test="export-job-filters"]').innerText(), `Languages: ${lang}`);
  assert.match(await job.locator('[data-test="export-job-size"]').innerText(), /^\d+(\.\d)? (B|kB|MB)$/);

  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  assert.match(download.suggestedFilename(), /\.jsonl\.gz$/);
  const body = gunzipSync(readFileSync(await download.path())).toString('utf8');
  const trees = body.trim().split('\n').map((line) => JSON.parse(line));
  assert.ok(trees.length >= 1);
  assert.ok(trees.every((tree) => tree.prompt.lang === lang));
  const ours = trees.find((tree) => tree.prompt.text === text);
  assert.ok(ours, 'the exported file holds the new tree');
  assert.equal(ours.prompt.role, 'prompter');
  assert.equal(ours.prompt.review_count, 1);
  for (const name of [ada.name, bob.name, mod.name]) assert.ok(!body.includes(name), 'no username leaves');
  assert.deepEqual(browser.errors, []);
});
