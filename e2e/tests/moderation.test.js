// A moderator finds a message by search, edits it (the history shows both versions), deletes
// and undeletes it, halts and restarts its tree. Every step is in the audit trail.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, screenshot } from '../support/browser.js';
import { ApiUser, signInBrowser, moderator, LANGS } from '../support/api.js';
import { visit, unique } from '../support/act.js';
import { sql, quote } from '../support/db.js';

const lang = LANGS.moderation;
let browser;
after(async () => { await browser?.close(); });

test('a moderator searches, edits, deletes, undeletes, halts and restarts', async () => {
  const [ada, bob] = await Promise.all(['ada', 'bob'].map((n) => ApiUser.create(n, { languages: [lang] })));
  const word = `вулкан${Date.now().toString(36)}`;
  const text = unique(`Почему ${word} извергается?`);
  await ada.write('initial_prompt', lang, text);
  await bob.review('label_initial_prompt', lang);
  const mod = await moderator();

  browser = await openBrowser();
  await signInBrowser(browser.context, mod);
  const { page } = browser;
  await visit(page, '/moderation/messages');
  await page.locator('[data-test="search-query"]').fill(word);
  await page.locator('[data-test="search-lang"]').fill(lang);
  await page.locator('[data-test="search"]').click();
  const row = page.locator('[data-test="message-row"]');
  // the list first shows the newest messages; wait for the search results to replace them
  await page.waitForFunction((w) => {
    const rows = [...document.querySelectorAll('[data-test="message-row"]')];
    return rows.length > 0 && rows.every((r) => r.innerText.includes(w));
  }, word);
  assert.equal(await row.count(), 1);
  await screenshot(page, 'moderation-search');
  // the search is the page's URL: a reload keeps it, and Back returns to it
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('q'), word);
  assert.equal(url.searchParams.get('lang'), lang);
  await page.reload();
  await row.first().waitFor();
  assert.equal(await row.count(), 1);
  assert.equal(await page.locator('[data-test="search-query"]').inputValue(), word);
  await row.first().getByRole('link').click();
  await page.locator('[data-test="mod-message"]').waitFor();
  await page.goBack();
  await page.waitForFunction((w) => {
    const rows = [...document.querySelectorAll('[data-test="message-row"]')];
    return rows.length === 1 && rows[0].innerText.includes(w);
  }, word);
  assert.equal(await page.locator('[data-test="search-query"]').inputValue(), word);
  await row.first().getByRole('link').click();
  await page.locator('[data-test="mod-message"]').waitFor();

  // edit: the history shows before and after
  const edited = `${text} (отредактировано)`;
  await page.locator('[data-test="edit"]').click();
  await page.locator('[data-test="editor"]').fill(edited);
  await page.locator('[data-test="save-edit"]').click();
  const revision = page.locator('[data-test="revision"]');
  await revision.waitFor();
  assert.match(await revision.locator('.before').innerText(), new RegExp(word));
  assert.match(await revision.locator('.after').innerText(), /отредактировано/);

  // delete, then undelete
  // a delete says what goes, and waits for the confirmation
  await page.locator('[data-test="delete"]').click();
  assert.match(await page.locator('[data-test="delete-confirmation"]').innerText(), /in all: 1, by /);
  await page.locator('[data-test="confirm-delete"]').click();
  await page.locator('[data-test="deleted-badge"]').waitFor();
  assert.equal(sql(`select deleted from message where text = ${quote(edited)}`), 't');
  await page.locator('[data-test="undelete"]').click();
  await page.locator('[data-test="delete"]').waitFor();
  assert.equal(sql(`select deleted from message where text = ${quote(edited)}`), 'f');

  // deleting every message of a tree halted it; restart it, halt it, restart it again
  assert.equal(await page.locator('[data-test="tree-state"]').getAttribute('data-state'), 'halted_by_moderator');
  assert.equal(await page.locator('[data-test="tree-state"]').innerText(), 'halted by a moderator');
  await page.locator('[data-test="restart"]').click();
  await page.waitForFunction(() => document.querySelector('[data-test="tree-state"]')?.dataset.state === 'growing');
  await page.locator('[data-test="halt"]').click();
  await page.waitForFunction(() => document.querySelector('[data-test="tree-state"]')?.dataset.state === 'halted_by_moderator');
  await page.locator('[data-test="restart"]').click();
  await page.waitForFunction(() => document.querySelector('[data-test="tree-state"]')?.dataset.state === 'growing');
  await screenshot(page, 'moderation-message');

  const actions = sql(`select string_agg(a.action, ',' order by a.created_at) from audit_log a join message m on m.message_id = a.target_id where m.text = ${quote(edited)}`);
  assert.equal(actions, 'message.edit,message.delete,message.undelete,tree.restart,tree.halt,tree.restart');

  // a ban asks first: keeping changes nothing, confirming bans
  const adaId = sql(`select user_id from app_user where username = ${quote(ada.name)}`);
  await visit(page, `/moderation/users/${adaId}`);
  await page.locator('[data-test="ban"]').click();
  assert.match(await page.locator('[data-test="ban-confirmation"]').innerText(), /can no longer log in/);
  await page.locator('[data-test="ban-confirmation"] .button.secondary').click();
  assert.equal(sql(`select banned from app_user where user_id = '${adaId}'`), 'f');
  await page.locator('[data-test="ban"]').click();
  await page.locator('[data-test="confirm-ban"]').click();
  await page.locator('[data-test="unban"]').waitFor();
  assert.equal(sql(`select banned from app_user where user_id = '${adaId}'`), 't');
});
