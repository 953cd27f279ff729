// Runs `grove-worker run --until-idle` on the CPU with the default base model, in a fresh data
// folder: it works the reward-model queue (and moves retraining runs on) until nothing is left.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const repo = path.resolve(import.meta.dirname, '../..');

/** Runs the worker until the queue is empty; returns its log. */
export function work() {
  const bin = process.env.E2E_WORKER_BIN;
  if (!bin) throw new Error('E2E_WORKER_BIN is not set: run the suite through ./scripts/test.sh');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'grove-worker-'));
  try {
    return execFileSync(bin, [
      'run', '--until-idle', '--device', 'cpu', '--lease-secs', '30', '--data-dir', dataDir,
      '--base-model', path.join(repo, 'data/base-models/all-MiniLM-L6-v2'),
    ], { env: process.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
