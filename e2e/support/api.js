// Setting up scenarios through Grove's HTTP API (register, accept the terms, pick languages,
// request and submit tasks), so each browser journey starts from the state it needs.
import { BASE_URL } from './browser.js';
import { PASSWORD, uniqueName } from './act.js';

export class ApiUser {
  constructor(name) {
    this.name = name;
    /** The cookies the server set, by name (the session, and the staff hint for moderators). */
    this.cookies = new Map();
  }

  get cookie() {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ') || null;
  }

  /** A registered user who accepted the terms and works in `languages`. */
  static async create(prefix, { languages = ['en'] } = {}) {
    const user = new ApiUser(uniqueName(prefix));
    await user.form('/api/register', { username: user.name, email: '', password: PASSWORD });
    await user.form('/api/accept_terms', {});
    await user.json('/api/account/languages', { languages });
    return user;
  }

  async send(path, init) {
    const headers = { accept: 'application/json', ...(init.headers ?? {}) };
    if (this.cookie) headers.cookie = this.cookie;
    const response = await fetch(BASE_URL + path, { ...init, headers, redirect: 'manual' });
    const setCookie = response.headers.getSetCookie?.() ?? [];
    for (const cookie of setCookie) {
      const [pair, ...attributes] = cookie.split(';');
      const at = pair.indexOf('=');
      const [name, value] = [pair.slice(0, at).trim(), pair.slice(at + 1)];
      const gone = attributes.some((a) => a.trim().toLowerCase() === 'max-age=0');
      if (gone || !value) this.cookies.delete(name); else this.cookies.set(name, value);
    }
    const text = await response.text();
    const body = text ? JSON.parse(text) : null;
    if (!response.ok) throw new Error(`${path}: ${response.status} ${text}`);
    return body;
  }

  form(path, fields) {
    return this.send(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }

  json(path, value) {
    return this.send(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(value),
    });
  }

  requestTask(kind, lang) {
    return this.json('/api/v1/tasks', { kind, lang });
  }

  submit(task, answer) {
    return this.json(`/api/v1/tasks/${task.task_id}/submit`, { answer });
  }

  /** Requests a writing task of `kind` and answers it with `text`. */
  async write(kind, lang, text) {
    const task = await this.requestTask(kind, lang);
    return this.submit(task, { type: 'text', text });
  }

  /** Requests a review of `kind` and answers "not spam". */
  async review(kind, lang, spam = 0) {
    const task = await this.requestTask(kind, lang);
    return this.submit(task, { type: 'labels', labels: { spam } });
  }

  /** The session cookie (and the staff hint) for a browser context. */
  cookiesFor() {
    return [...this.cookies].map(([name, value]) => ({ name, value, url: BASE_URL }));
  }
}

/** Opens the browser as this user (their session cookie in the context). */
export async function signInBrowser(context, user) {
  await context.addCookies(user.cookiesFor());
}

/** A language used by no other spec, so tasks from other journeys never interfere. */
export const LANGS = {
  prompt: 'de', assistant: 'fr', prompter: 'es', dnd: 'it', keyboard: 'nl', label: 'pl',
  skip: 'pt', draft: 'sv', network: 'da', script: 'fi', journey: 'cs', message: 'ca',
  moderation: 'ru', report: 'uk', export: 'el', pause: 'sk', models: 'hu', quality: 'ro', slow: 'bg', registry: 'tr',
};

/** A moderator (or another role, made with the grove CLI), logged in. */
export async function moderator(prefix = 'mod', role = 'moderator') {
  const { grove } = await import('./act.js');
  const user = new ApiUser(uniqueName(prefix));
  grove('user', 'create', '--username', user.name, '--role', role, '--password-stdin', '--accept-terms');
  await user.form('/api/login', { username: user.name, password: PASSWORD });
  return user;
}
