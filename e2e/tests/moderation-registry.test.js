// Reward models in the loop: a moderator sets a retraining schedule for a language, rankings
// come in, the server starts a run, `grove-worker run` trains the candidate and scores it, and
// the registry shows it promoted as the language's current model, with its run and the
// accuracy chart; the disagreement review then compares the consensus with that model.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, screenshot } from '../support/browser.js';
import { signInBrowser, moderator, LANGS } from '../support/api.js';
import { visit, grove } from '../support/act.js';
import { sql } from '../support/db.js';
import { work } from '../support/worker.js';
import { noPageErrors } from '../support/check.js';

const lang = LANGS.registry;
const browsers = [];
after(async () => { await Promise.all(browsers.map((b) => b.close())); });

/** Reloads `page` until `selector` shows (the server moves runs on every few seconds). */
async function reloadUntil(page, selector, seconds = 30) {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    if (await page.locator(selector).count() > 0) return;
    if (Date.now() > until) throw new Error(`${selector} did not show within ${seconds} s`);
    await page.waitForTimeout(1000);
    await page.reload();
    await page.locator('[data-test="schedule-form"]').waitFor();
  }
}

test('a retraining schedule trains, scores and promotes a model the registry shows', async () => {
  const mod = await moderator('registry');
  const b = await openBrowser();
  browsers.push(b);
  await signInBrowser(b.context, mod);
  const { page } = b;

  await visit(page, '/moderation/registry');
  const form = page.locator('[data-test="schedule-form"]');
  await form.locator('[data-test="schedule-lang"]').fill(lang);
  await form.locator('[data-test="schedule-every"]').fill('3');
  await form.locator('[data-test="schedule-epochs"]').fill('1');
  await form.locator('[data-test="schedule-max-tokens"]').fill('32');
  await form.locator('[data-test="schedule-held-out"]').fill('0.5');
  await form.locator('[data-test="save-schedule"]').click();
  await page.locator('[data-test="schedule-saved"]').waitFor();
  const card = page.locator(`[data-test="registry-lang"][data-lang="${lang}"]`);
  await card.waitFor();
  assert.match(await card.locator('[data-test="schedule-summary"]').innerText(), /3/);
  await card.locator('[data-test="no-current-model"]').waitFor();
  // a bad schedule says why, in words and with its code
  await form.locator('[data-test="schedule-every"]').fill('0');
  await form.locator('[data-test="save-schedule"]').click();
  await page.locator('.error-note[data-code="invalid_schedule"]').waitFor();
  await form.locator('[data-test="schedule-every"]').fill('3');

  // rankings come in: the server starts a run by the schedule
  grove('simulate', '--users', '4', '--trees', '6', '--spammers', '0', '--lang', lang, '--seed', '3', '--writing', 'sensible');
  await reloadUntil(page, `[data-test="registry-lang"][data-lang="${lang}"] [data-test="run"]`);
  assert.equal(sql(`select trigger from retrain_run where lang = '${lang}' order by created_at limit 1`), 'schedule');

  // the worker trains the candidate, scores it, and the run promotes it (the first model);
  // rankings that came in after the run started may start another, which the worker runs too
  const log = work();
  const run = sql(`select state || ' ' || coalesce(reason, '') from retrain_run where lang = '${lang}' order by created_at limit 1`);
  assert.match(run, /^promoted first_model/, `run: ${run}\nworker: ${log.slice(-2000)}`);
  await page.reload();
  await card.locator('[data-test="current-model"]').waitFor();
  const acc = Number(await card.locator('[data-test="current-accuracy"]').innerText());
  assert.ok(acc >= 0 && acc <= 1, `held-out accuracy ${acc}`);
  assert.ok(await card.locator('[data-test="run"][data-state="promoted"]').count() >= 1);
  assert.equal(await card.locator('[data-test="run"][data-state="training"], [data-test="run"][data-state="scoring"]').count(), 0);
  assert.ok(await card.locator('figure.chart polyline, figure.chart circle').count() >= 1, 'the accuracy chart is drawn');
  await screenshot(page, 'model-registry');

  // the disagreement review compares the consensus with the language's current model
  await card.locator('a[href^="/moderation/disagreements"]').click();
  await page.locator('[data-test="disagreements"], [data-test="no-disagreements"]').first().waitFor();
  assert.equal(await page.locator('[data-test="no-model"]').count(), 0);
  await page.locator('[data-test="dissenters"], [data-test="no-dissenters"]').first().waitFor();
  noPageErrors(b.errors);
});
