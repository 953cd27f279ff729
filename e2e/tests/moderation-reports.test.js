// A report goes from an annotator to the moderators' queue and is resolved there; annotators
// cannot open moderation pages nor call moderation functions.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, screenshot } from '../support/browser.js';
import { ApiUser, signInBrowser, moderator, LANGS } from '../support/api.js';
import { visit, unique } from '../support/act.js';
import { sql, quote } from '../support/db.js';

const lang = LANGS.report;
const browsers = [];
after(async () => { for (const b of browsers) await b.close(); });

async function as(user) {
  const b = await openBrowser();
  browsers.push(b);
  await signInBrowser(b.context, user);
  return b.page;
}

test('a report flows from an annotator to the queue and is resolved', async () => {
  const [ada, bob] = await Promise.all(['ada', 'bob'].map((n) => ApiUser.create(n, { languages: [lang] })));
  const text = unique('Купуйте дешеві годинники на example.com!');
  await ada.write('initial_prompt', lang, text);
  const id = sql(`select message_id from message where text = ${quote(text)}`);
  const reason = unique('Це реклама');

  const reporter = await as(bob);
  await visit(reporter, `/messages/${id}`);
  const card = reporter.locator('.thread [data-test="focused-message"]');
  await card.locator('[data-test="report"]').click();
  await card.locator('[data-test="report-reason"]').fill(reason);
  await card.locator('[data-test="send-report"]').click();
  await card.getByText('Moderators will look at it').waitFor();

  const mod = await moderator();
  const page = await as(mod);
  await visit(page, '/moderation/reports');
  const report = page.locator('[data-test="report"]', { hasText: reason });
  await report.waitFor();
  await screenshot(page, 'moderation-reports');
  await report.locator('[data-test="take-report"]').click();
  // the default view keeps unresolved reports: the one just taken stays, marked as mine, and
  // can no longer be taken (the list refetches after each change: act on the new row)
  const taken = page.locator('[data-test="report"][data-status="assigned"][data-mine="true"]', { hasText: reason });
  await taken.waitFor();
  assert.equal(await taken.locator('[data-test="take-report"]').count(), 0);
  await taken.locator('[data-test="outcome"]').selectOption('content_removed');
  // the outcome says what it does, and does it
  await taken.locator('[data-test="removes-hint"]').waitFor();
  await taken.locator('[data-test="resolve-report"]').click();
  await page.locator('[data-test="report"]', { hasText: reason }).waitFor({ state: 'detached' });
  await page.locator('[data-test="report-status"]').selectOption('resolved');
  const resolved = page.locator('[data-test="report"][data-status="resolved"]', { hasText: reason });
  await resolved.locator('[data-test="report-outcome"]').waitFor();
  assert.match(await resolved.locator('[data-test="report-outcome"]').innerText(), /content removed/);
  assert.equal(sql(`select status || ':' || outcome from report where reason = ${quote(reason)}`), 'resolved:content_removed');
  assert.equal(sql(`select deleted from message where message_id = '${id}'`), 't');

  // the author sees the message as removed, and its old link explains instead of failing bare
  const author = await as(ada);
  await visit(author, '/contributions');
  const row = author.locator('[data-test="contribution"][data-deleted="true"]', { hasText: 'example.com' });
  await row.locator('[data-test="removed"]').waitFor();
  assert.equal(await row.locator('a').count(), 0);
  const gone = await author.goto(`/messages/${id}`);
  assert.equal(gone.status(), 404);
  await author.locator('[data-test="message-gone"] h1').waitFor();
});

test('an annotator can open no moderation page and call no moderation function', async () => {
  const eve = await ApiUser.create('eve', { languages: [lang] });
  const page = await as(eve);
  for (const path of ['/moderation', '/moderation/messages', '/moderation/users', '/moderation/reports', '/moderation/trollboard']) {
    const response = await page.goto(path);
    assert.equal(response.status(), 403, path);
    await page.getByRole('alert').filter({ hasText: 'not allowed' }).waitFor();
  }
  const statuses = await page.evaluate(async () => {
    const calls = [
      ['moderation/users', { search: null, sort: 'newest', page: 0 }],
      ['moderation/delete', { message_id: '00000000-0000-0000-0000-000000000000' }],
      ['moderation/set_role', { user_id: '00000000-0000-0000-0000-000000000000', role: 'admin' }],
    ];
    const out = [];
    for (const [endpoint, body] of calls) {
      const r = await fetch(`/api/${endpoint}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      out.push(r.status);
    }
    return out;
  });
  assert.deepEqual(statuses, [403, 403, 403]);
});
