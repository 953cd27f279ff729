// The mails Grove sent, as the test command's SMTP server (aiosmtpd) filed them into a
// Maildir ($E2E_MAILDIR): wait for one to an address and read its links.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const MAILDIR = process.env.E2E_MAILDIR;

/** Whether this run has a mail server (the test command starts one). */
export const hasMail = Boolean(MAILDIR);

function decode(body, encoding) {
  switch ((encoding ?? '').toLowerCase()) {
    case 'quoted-printable':
      return Buffer.from(
        body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex) => String.fromCharCode(parseInt(hex, 16))),
        'latin1',
      ).toString('utf8');
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    default:
      return body;
  }
}

function parse(raw) {
  const split = raw.search(/\r?\n\r?\n/);
  const head = raw.slice(0, split).replace(/\r?\n[ \t]+/g, ' ');
  const headers = {};
  for (const line of head.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0) headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
  }
  const body = decode(raw.slice(split).trim(), headers['content-transfer-encoding']);
  return { headers, body, to: headers.to ?? '', subject: headers.subject ?? '' };
}

/** Every mail so far, oldest first. */
export function mails() {
  const dir = join(MAILDIR, 'new');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).sort().map((name) => parse(readFileSync(join(dir, name), 'utf8')));
}

/** The mails to `address`. */
export function mailsTo(address) {
  return mails().filter((m) => m.to.toLowerCase().includes(address.toLowerCase()));
}

/** Waits for the `count`-th mail to `address` (1 = the first) and returns it. */
export async function waitForMail(address, count = 1, timeoutMs = 15_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const found = mailsTo(address);
    if (found.length >= count) return found[count - 1];
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`no mail number ${count} to ${address} within ${timeoutMs} ms`);
}

/** The first link of a mail that starts with `base` and contains `path`. */
export function linkIn(mail, path) {
  const link = mail.body.match(/https?:\/\/\S+/g)?.find((l) => l.includes(path));
  if (!link) throw new Error(`no ${path} link in: ${mail.body}`);
  return link;
}
