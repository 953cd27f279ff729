// A volunteer's first visit on a slow link, in Chromium with the network emulated (Fast 3G by
// default: 1.6 Mbit/s down, 750 kbit/s up, 150 ms latency). For each page, a cold visit (new
// profile, empty cache) and a revisit (same profile): milliseconds until the page is usable
// (the WebAssembly hydrated it) and bytes transferred. Prints JSON.
//
//   node e2e/bench/first-visit.mjs --base http://127.0.0.1:3000 [--runs 2]
//        [--down-kbps 1600] [--up-kbps 750] [--latency-ms 150]
//
// Needs a running Grove (any database); it registers one volunteer to see the signed-in pages.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => {
    if (arg.startsWith('--')) pairs.push([arg.slice(2), all[i + 1]]);
    return pairs;
  }, []),
);
const BASE = args.base ?? 'http://127.0.0.1:3000';
const RUNS = Number(args.runs ?? 2);
const NETWORK = {
  offline: false,
  latency: Number(args['latency-ms'] ?? 150),
  downloadThroughput: (Number(args['down-kbps'] ?? 1600) * 1000) / 8,
  uploadThroughput: (Number(args['up-kbps'] ?? 750) * 1000) / 8,
};
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A volunteer who accepted the terms: the session cookie. */
async function volunteer() {
  const name = `visit${Date.now().toString(36)}`;
  const form = (body) => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(body).toString(),
  });
  const registered = await fetch(`${BASE}/api/register`, form({ username: name, email: '', password: 'first-visit-pass-42' }));
  const cookie = (registered.headers.get('set-cookie') ?? '').split(';')[0];
  if (!cookie) throw new Error(`registration failed: ${registered.status} ${await registered.text()}`);
  await fetch(`${BASE}/api/accept_terms`, { ...form({}), headers: { ...form({}).headers, cookie } });
  const [key, value] = cookie.split('=');
  return { name: key, value, url: BASE };
}

/** Opens `path` and waits until it is hydrated; milliseconds and bytes on the wire. */
async function visit(page, cdp, path) {
  let bytes = 0;
  const count = (event) => { bytes += event.encodedDataLength; };
  cdp.on('Network.loadingFinished', count);
  const started = Date.now();
  await page.goto(`${BASE}${path}`);
  await page.waitForSelector('body[data-hydrated="true"]', { timeout: 120_000 });
  const ms = Date.now() - started;
  // let the last responses report their sizes
  await page.waitForTimeout(200);
  cdp.off('Network.loadingFinished', count);
  return { ms, bytes };
}

const pages = { home: '/', dashboard: '/dashboard', task: '/tasks/random?lang=en' };
const results = {};
const cookie = await volunteer();
for (const [name, path] of Object.entries(pages)) {
  const runs = [];
  for (let run = 0; run < RUNS; run++) {
    const profile = mkdtempSync(join(tmpdir(), 'grove-visit-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium', headless: true, args: FLAGS,
    });
    try {
      await context.addCookies([cookie]);
      const page = context.pages()[0] ?? await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', NETWORK);
      const cold = await visit(page, cdp, path);
      const warm = await visit(page, cdp, path);
      runs.push({ cold_ms: cold.ms, cold_bytes: cold.bytes, warm_ms: warm.ms, warm_bytes: warm.bytes });
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  }
  results[name] = runs;
}
console.log(JSON.stringify({ base: BASE, network: NETWORK, pages: results }, null, 2));
