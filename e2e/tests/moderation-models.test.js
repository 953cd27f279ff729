// A moderator trains a reward model from the dashboard: the rankings of a few simulated trees,
// a training job started from the form, `grove-worker run` picking it up, the finished job with
// its metrics, loss chart and download, a scoring job whose scores show in the tree view, and a
// cancelled job.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, screenshot } from '../support/browser.js';
import { signInBrowser, moderator, LANGS } from '../support/api.js';
import { visit, grove } from '../support/act.js';
import { sql } from '../support/db.js';
import { work } from '../support/worker.js';
import { noPageErrors } from '../support/check.js';

const lang = LANGS.models;
const browsers = [];
after(async () => { await Promise.all(browsers.map((b) => b.close())); });

const jobId = (page) => page.url().split('/').pop();

test('a moderator trains a reward model, downloads it and scores messages with it', async () => {
  grove('simulate', '--users', '4', '--trees', '6', '--spammers', '0', '--lang', lang, '--seed', '7', '--writing', 'sensible');
  const mod = await moderator('rm');
  const b = await openBrowser();
  browsers.push(b);
  await signInBrowser(b.context, mod);
  const { page } = b;

  await visit(page, '/moderation/models');
  const form = page.locator('[data-test="training-form"]');
  await form.locator('[data-test="training-langs"]').fill(lang);
  await form.locator('[data-test="max-tokens"]').fill('32');
  await form.locator('[data-test="epochs"]').fill('1');
  await form.locator('[data-test="held-out"]').fill('0.3');
  await form.locator('[data-test="start-training"]').click();
  await page.locator('[data-test="model-job"][data-state="queued"]').waitFor();

  const log = work();
  // a job that did not succeed says why (the worker's log and the job's error)
  const state = sql("select state || ' ' || coalesce(error, '') from model_job where kind = 'train' order by created_at limit 1");
  assert.match(state, /^succeeded/, `training job: ${state}\nworker: ${log.slice(-2000)}`);
  await visit(page, '/moderation/models');
  await page.locator('[data-test="model-job"][data-state="succeeded"] a').first().click();
  const detail = page.locator('[data-test="model-job-detail"][data-state="succeeded"]');
  await detail.waitFor();
  const accuracy = Number(await page.locator('[data-test="pairwise-accuracy"]').innerText());
  assert.ok(accuracy >= 0 && accuracy <= 1, `accuracy ${accuracy}`);
  assert.ok(await page.locator('figure.chart polyline').count() >= 1, 'a loss curve is drawn');
  await screenshot(page, 'reward-model-job');

  // the download is the model folder as a tar archive, from Postgres
  const trained = jobId(page);
  const archive = await page.request.get(`/moderation/models/${trained}/download`);
  assert.equal(archive.status(), 200);
  assert.equal(archive.headers()['content-type'], 'application/x-tar');
  const bytes = await archive.body();
  assert.ok(bytes.length > 80_000_000, `archive of ${bytes.length} bytes`);
  for (const file of ['config.json', 'model.safetensors', 'reward_head.safetensors', 'tokenizer.json', 'grove_training.json']) {
    assert.ok(bytes.includes(Buffer.from(file)), `${file} in the archive`);
  }

  // scoring: a new job, run by the worker; the scores appear in the tree view for moderators
  await page.locator('[data-test="score-messages"]').click();
  await page.waitForURL((url) => !url.pathname.endsWith(trained));
  await page.locator('[data-test="model-job-detail"][data-state="queued"]').waitFor();
  work();
  await page.reload();
  await page.locator('[data-test="scored"]').waitFor();
  const reply = sql(`select m.message_id from message m join message_score s using (message_id) join message_tree t using (message_tree_id) where t.lang = '${lang}' limit 1`);
  await visit(page, `/messages/${reply}`);
  await page.locator('[data-test="reward-score"]').first().waitFor();

  // a queued job can be cancelled from its page
  await visit(page, '/moderation/models');
  await form.locator('[data-test="training-langs"]').fill(lang);
  await form.locator('[data-test="start-training"]').click();
  await page.locator('[data-test="model-job"][data-state="queued"] a').first().click();
  await page.locator('[data-test="cancel-job"]').click();
  await page.locator('[data-test="model-job-detail"][data-state="cancelled"]').waitFor();
  assert.equal(sql(`select count(*) from model_job where state = 'cancelled'`), '1');
  noPageErrors(b.errors);
});
