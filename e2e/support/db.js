// Reading the test database directly, to check what the UI stored.
import { execFileSync } from 'node:child_process';

export function sql(query) {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: run the suite through ./scripts/test.sh');
  return execFileSync('psql', [url, '-tAc', query], { encoding: 'utf8' }).trim();
}

export const quote = (text) => `'${text.replaceAll("'", "''")}'`;
