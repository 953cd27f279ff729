// Simulated annotators over HTTP: each registers, then requests a task, answers it and submits,
// as fast as the server lets it, for a fixed time. Reports tasks completed per second and the
// latency of requests and submits; optionally logs every acknowledged submit (for the fault
// check, which then looks for each one in the database).
//
//   node e2e/bench/annotators.mjs --base http://127.0.0.1:3000 --users 50 --duration 30 \
//        [--lang en] [--log acks.jsonl] [--think-ms 0] [--detail 1] [--samples FILE]
//
// `--detail 1` adds where the time went: p50/p99 per task kind, and per 10-second window of
// the run (a tail that comes from the run's start shows in the first window only);
// `--samples FILE` also writes every request's and submit's [kind, ms since the run started,
// latency ms] as JSON, to look for stalls in time (a stall every five seconds was found so).
//
// `--base` may list several servers of one database, comma-separated: annotators are spread
// over them, and one whose server does not answer goes on through the next (as a proxy would
// send them). The report then also counts completed tasks per server.
//
// Run the server with GROVE_RATE_LIMIT_SCALE=0: this is one address doing a crowd's work.
import { appendFileSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import zlib from 'node:zlib';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => {
    if (arg.startsWith('--')) pairs.push([arg.slice(2), all[i + 1]]);
    return pairs;
  }, []),
);
const BASES = (args.base ?? 'http://127.0.0.1:3000').split(',');
const USERS = Number(args.users ?? 20);
const DURATION_MS = Number(args.duration ?? 20) * 1000;
const LANG = args.lang ?? 'en';
const LOG = args.log;
const THINK_MS = Number(args['think-ms'] ?? 0);
const SAMPLES = args.samples;
const DETAIL = Boolean(Number(args.detail ?? 0)) || Boolean(SAMPLES);
const PASSWORD = 'load-test-password-1';

const AGENT = new http.Agent({ keepAlive: true, maxSockets: Infinity });
const decode = (bytes, encoding) => (encoding === 'br' ? zlib.brotliDecompressSync(bytes)
  : encoding === 'gzip' ? zlib.gunzipSync(bytes) : bytes).toString('utf8');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const latencies = { request: [], submit: [] };
// with --detail: [kind, ms since the run started, latency ms] of each request and submit
const samples = { request: [], submit: [] };
let runStarted = 0;
const errors = new Map();
let completed = 0;
let requests = 0;
const perServer = new Map();

function countError(what) {
  errors.set(what, (errors.get(what) ?? 0) + 1);
}

class Annotator {
  constructor(name, index) {
    this.name = name;
    this.cookie = null;
    this.server = index % BASES.length;
  }

  /** One HTTP call (node:http on a kept-alive connection: the generator should leave the
   *  CPU to the server); network failures and 5xx come back as `{ status: 0 | 5xx }`. */
  async call(path, body, contentType = 'application/json') {
    const headers = {
      accept: 'application/json',
      'accept-encoding': 'gzip, br',
      'content-type': contentType,
      'content-length': Buffer.byteLength(body ?? ''),
    };
    if (this.cookie) headers.cookie = this.cookie;
    const base = new URL(BASES[this.server]);
    const answer = await new Promise((resolve) => {
      const request = http.request({
        host: base.hostname, port: base.port, path, method: 'POST', headers, agent: AGENT,
      }, (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () => resolve({ response, bytes: Buffer.concat(chunks) }));
        response.on('error', () => resolve(null));
      });
      request.on('error', () => resolve(null));
      request.end(body ?? '');
    });
    if (!answer) {
      // the server is gone: the next one (the session lives in the database)
      this.server = (this.server + 1) % BASES.length;
      return { status: 0, body: null };
    }
    const { response, bytes } = answer;
    for (const cookie of [response.headers['set-cookie'] ?? []].flat()) {
      if (cookie.startsWith('grove_session=')) this.cookie = cookie.split(';')[0];
    }
    let text = '';
    try { text = decode(bytes, response.headers['content-encoding']); } catch { text = ''; }
    let parsed = null;
    try { parsed = text ? JSON.parse(text) : null; } catch { parsed = null; }
    return { status: response.statusCode, body: parsed };
  }

  async join() {
    const form = new URLSearchParams({ username: this.name, email: '', password: PASSWORD }).toString();
    for (;;) {
      const registered = await this.call('/api/register', form, 'application/x-www-form-urlencoded');
      if (registered.status === 200) break;
      if (registered.body?.code === 'username_taken') {
        await this.call('/api/login', new URLSearchParams({ username: this.name, password: PASSWORD }).toString(), 'application/x-www-form-urlencoded');
        break;
      }
      countError(`register ${registered.status} ${registered.body?.code ?? ''}`.trim());
      await sleep(200);
    }
    await this.call('/api/accept_terms', '', 'application/x-www-form-urlencoded');
    await this.call('/api/account/languages', JSON.stringify({ languages: [LANG] }));
  }

  async work(deadline) {
    let counter = 0;
    while (Date.now() < deadline) {
      const started = performance.now();
      const task = await this.call('/api/v1/tasks', JSON.stringify({ lang: LANG }));
      requests++;
      if (task.status !== 200) {
        countError(`request ${task.status} ${task.body?.code ?? ''}`.trim());
        await sleep(task.status === 404 ? 50 : 200);
        continue;
      }
      latencies.request.push(performance.now() - started);
      if (DETAIL) samples.request.push([task.body.kind, Date.now() - runStarted, performance.now() - started]);
      if (THINK_MS) await sleep(THINK_MS);
      const answer = answerFor(task.body, `${this.name}-${counter++}`);
      const clientKey = randomUUID();
      // a lost connection is retried with the same key: the server does the submit once
      for (let attempt = 0; Date.now() < deadline + 10_000; attempt++) {
        const sent = performance.now();
        const submit = await this.call(
          `/api/v1/tasks/${task.body.task_id}/submit`,
          JSON.stringify({ answer, client_key: clientKey }),
        );
        if (submit.status === 200) {
          latencies.submit.push(performance.now() - sent);
          if (DETAIL) samples.submit.push([task.body.kind, Date.now() - runStarted, performance.now() - sent]);
          completed++;
          perServer.set(BASES[this.server], (perServer.get(BASES[this.server]) ?? 0) + 1);
          if (LOG) {
            appendFileSync(LOG, `${JSON.stringify({
              task_id: task.body.task_id, kind: task.body.kind, text: answer.text ?? null, at: Date.now(),
            })}\n`);
          }
          break;
        }
        countError(`submit ${submit.status} ${submit.body?.code ?? ''}`.trim());
        if (submit.status !== 0 && submit.status < 500) break;
        await sleep(Math.min(1000, 100 * 2 ** attempt));
      }
    }
  }
}

/** A plausible answer: text for writing tasks, "not spam" for reviews, an order for rankings. */
function answerFor(task, nonce) {
  if (task.replies?.length) {
    return { type: 'ranking', ranking: task.replies.map((reply) => [reply.message_id]) };
  }
  if (task.labels?.length) {
    const labels = {};
    for (const field of task.labels) {
      if (field.mandatory) labels[field.name] = 0;
    }
    return { type: 'labels', labels };
  }
  const what = task.kind === 'initial_prompt' ? 'Question' : 'Reply';
  return { type: 'text', text: `${what} ${nonce}: written by a simulated annotator during a load run.` };
}

function percentile(values, p) {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const run = `${Date.now().toString(36)}`;
const annotators = Array.from({ length: USERS }, (_, i) => new Annotator(`load${run}u${i}`, i));
// join in waves so registration does not become the benchmark
for (let i = 0; i < annotators.length; i += 50) {
  await Promise.all(annotators.slice(i, i + 50).map((a) => a.join()));
}
const started = Date.now();
runStarted = started;
const deadline = started + DURATION_MS;
await Promise.all(annotators.map((a) => a.work(deadline)));
const seconds = (Date.now() - started) / 1000;

const ms = (v) => (Number.isNaN(v) ? '-' : v.toFixed(1));
const report = {
  users: USERS,
  seconds: Number(seconds.toFixed(1)),
  tasks_completed: completed,
  tasks_per_second: Number((completed / seconds).toFixed(1)),
  request_ms: { p50: ms(percentile(latencies.request, 50)), p99: ms(percentile(latencies.request, 99)) },
  submit_ms: { p50: ms(percentile(latencies.submit, 50)), p99: ms(percentile(latencies.submit, 99)) },
  errors: Object.fromEntries(errors),
  task_requests: requests,
  no_task_share: Number(((errors.get('request 404 no_task_available') ?? 0) / Math.max(1, requests)).toFixed(4)),
  server_errors: [...errors].filter(([what]) => / 5\d\d/.test(what)).reduce((n, [, count]) => n + count, 0),
};
if (SAMPLES) writeFileSync(SAMPLES, JSON.stringify({ started_at: runStarted, ...samples }));
if (DETAIL) {
  const summary = (rows) => ({
    n: rows.length, p50: ms(percentile(rows.map((r) => r[2]), 50)), p99: ms(percentile(rows.map((r) => r[2]), 99)),
  });
  const group = (rows, key) => Object.fromEntries(
    [...new Set(rows.map(key))].sort().map((k) => [k, summary(rows.filter((r) => key(r) === k))]),
  );
  const window = (r) => `${String(Math.floor(r[1] / 10_000) * 10).padStart(3, '0')}s`;
  report.detail = Object.fromEntries(Object.entries(samples).map(([what, rows]) => [what, {
    by_kind: group(rows, (r) => r[0]), by_window: group(rows, window),
  }]));
}
if (BASES.length > 1) report.completed_per_server = Object.fromEntries(perServer);
console.log(JSON.stringify(report, null, 2));
