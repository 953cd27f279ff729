// Two Grove servers on one database (run by scripts/check-faults.sh, rate limits on): a user
// signs in on one and goes on working on the other; an export started on one is downloaded
// from the other; login attempts on both count against one limit. Exits non-zero on failure.
//
//   node e2e/support/two-servers.mjs http://127.0.0.1:A http://127.0.0.1:B path/to/grove
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';

const [A, B, GROVE] = process.argv.slice(2);
const PASSWORD = 'two-servers-password-1';
const run = Date.now().toString(36);

/** One person's cookies, whichever server they talk to. */
class Client {
  constructor(name) { this.name = name; this.cookie = ''; }

  async call(base, path, { form, json, method = 'POST' } = {}) {
    const headers = { accept: 'application/json' };
    let body;
    if (form) { headers['content-type'] = 'application/x-www-form-urlencoded'; body = new URLSearchParams(form).toString(); }
    if (json !== undefined) { headers['content-type'] = 'application/json'; body = JSON.stringify(json); }
    if (this.cookie) headers.cookie = this.cookie;
    const response = await fetch(base + path, { method, headers, body, redirect: 'manual' });
    for (const cookie of response.headers.getSetCookie?.() ?? []) {
      if (cookie.startsWith('grove_session=')) this.cookie = cookie.split(';')[0];
    }
    const bytes = Buffer.from(await response.arrayBuffer());
    return { status: response.status, bytes, body: parse(bytes) };
  }
}

function parse(bytes) {
  try { return JSON.parse(bytes.toString('utf8')); } catch { return null; }
}

async function step(name, body) {
  const started = Date.now();
  await body();
  console.log(`ok: ${name} (${Date.now() - started} ms)`);
}

await step('a user signs in on one server and goes on working on the other', async () => {
  const ada = new Client(`ada${run}`);
  assert.equal((await ada.call(A, '/api/register', { form: { username: ada.name, email: '', password: PASSWORD } })).status, 200);
  await ada.call(A, '/api/accept_terms', { form: {} });
  await ada.call(A, '/api/account/languages', { json: { languages: ['en'] } });
  const task = await ada.call(B, '/api/v1/tasks', { json: { kind: 'initial_prompt', lang: 'en' } });
  assert.equal(task.status, 200, `task on B: ${task.bytes}`);
  const answer = { type: 'text', text: `A question written across two servers ${run}?` };
  const done = await ada.call(B, `/api/v1/tasks/${task.body.task_id}/submit`, { json: { answer } });
  assert.equal(done.status, 200, `submit on B: ${done.bytes}`);
  // and the first server sees what was done on the second
  const again = await ada.call(A, '/api/v1/tasks', { json: { kind: 'initial_prompt', lang: 'en' } });
  assert.equal(again.status, 200);
  assert.notEqual(again.body.task_id, task.body.task_id);
});

await step('an export started on one server is downloaded from the other', async () => {
  const mod = new Client(`mod${run}`);
  execFileSync(GROVE, ['user', 'create', '--username', mod.name, '--role', 'moderator', '--password-stdin', '--accept-terms'],
    { input: `${PASSWORD}\n`, env: process.env });
  assert.equal((await mod.call(A, '/api/login', { form: { username: mod.name, password: PASSWORD } })).status, 200);
  const started = await mod.call(A, '/api/moderation/export_start', { json: { query: { format: 'messages', states: 'all' } } });
  assert.equal(started.status, 200, `start: ${started.bytes}`);
  const id = started.body;
  let job;
  for (let i = 0; i < 100; i++) {
    const jobs = await mod.call(B, '/api/moderation/export_jobs', { json: {} });
    job = jobs.body?.find?.((j) => j.id === id);
    if (job && job.status !== 'running') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(job?.status, 'done', `job: ${JSON.stringify(job)}`);
  const file = await mod.call(B, `/moderation/exports/${id}/download`, { method: 'GET' });
  assert.equal(file.status, 200);
  const lines = gunzipSync(file.bytes).toString('utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  assert.ok(lines.some((m) => String(m.text).includes(run)), 'the prompt written on B is in the file downloaded from B');
});

await step('login attempts on both servers count against one limit', async () => {
  const name = `guess${run}`;
  const guesser = new Client('guesser');
  const statuses = [];
  // the limit per name is a burst of 10: alternate servers, 12 wrong passwords
  for (let i = 0; i < 12; i++) {
    const base = i % 2 ? B : A;
    statuses.push((await guesser.call(base, '/api/login', { form: { username: name, password: `wrong-${i}` } })).status);
  }
  assert.deepEqual(statuses.slice(0, 10).filter((s) => s === 429), [], `first ten: ${statuses}`);
  assert.deepEqual(statuses.slice(10), [429, 429], `after ten, on either server: ${statuses}`);
});
