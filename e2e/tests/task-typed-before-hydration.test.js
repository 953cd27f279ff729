// Nothing typed is lost before the app is ready: on an emulated Fast 3G link a volunteer opens
// a writing task and types while the WebAssembly is still downloading; when it takes over, the
// text is still there, and it is what gets submitted.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, screenshot } from '../support/browser.js';
import { ApiUser, signInBrowser, LANGS } from '../support/api.js';
import { unique } from '../support/act.js';
import { sql, quote } from '../support/db.js';

const lang = LANGS.slow;
let browser;
after(async () => { await browser?.close(); });

test('text typed before hydration on a slow link is kept and submitted', async () => {
  const writer = await ApiUser.create('slow', { languages: [lang] });
  browser = await openBrowser();
  await signInBrowser(browser.context, writer);
  const { page, context } = browser;
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  // Fast 3G, and no cache: the WebAssembly takes seconds to arrive
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 150, downloadThroughput: 200_000, uploadThroughput: 93_750,
  });
  await page.goto(`/tasks/initial_prompt?lang=${lang}`, { waitUntil: 'domcontentloaded' });
  const editor = page.locator('[data-test="editor"]');
  await editor.waitFor();
  const text = unique('Typed on a slow link before the page was ready: how do tides work?');
  await editor.fill(text);
  assert.equal(await page.getAttribute('body', 'data-hydrated'), null, 'typed before hydration');

  await page.waitForSelector('body[data-hydrated="true"]', { timeout: 60_000 });
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1,
  });
  assert.equal(await editor.inputValue(), text, 'the text survived hydration');
  await screenshot(page, 'typed-before-hydration');
  await page.locator('[data-test="review"]').click();
  await page.locator('[data-test="submit"]').click();
  await page.locator('[data-test="task"], [data-test="no-task"]').first().waitFor();
  await page.waitForFunction(
    (expected) => !document.querySelector('[data-test="editor"]') || document.querySelector('[data-test="editor"]').value !== expected,
    text,
  );
  assert.equal(sql(`select count(*) from message where text = ${quote(text)}`), '1');
});

test('answers chosen in a review before hydration are kept and submitted', async () => {
  const [writer, reviewer] = await Promise.all(['slowauthor', 'slowreviewer'].map((n) => ApiUser.create(n, { languages: [lang] })));
  const prompt = unique('A prompt to review on a slow link: what makes bread rise?');
  await writer.write('initial_prompt', lang, prompt);
  const slow = await openBrowser();
  try {
    await signInBrowser(slow.context, reviewer);
    const { page, context } = slow;
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false, latency: 150, downloadThroughput: 200_000, uploadThroughput: 93_750,
    });
    await page.goto(`/tasks/label_initial_prompt?lang=${lang}`, { waitUntil: 'domcontentloaded' });
    const spamNo = page.locator('fieldset[data-label="spam"] input[value="0"]');
    await spamNo.check();
    assert.equal(await page.getAttribute('body', 'data-hydrated'), null, 'chosen before hydration');
    await page.waitForSelector('body[data-hydrated="true"]', { timeout: 60_000 });
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1,
    });
    assert.equal(await spamNo.isChecked(), true, 'the choice survived hydration');
    // the app knows it: the mandatory question is answered, so the review can go on
    await page.locator('[data-test="review"]').click();
    await page.locator('[data-test="submit"]').click();
    await page.locator('[data-test="saved"]').waitFor();
    assert.equal(
      sql(`select (l.labels->>'spam')::float8 from label l join app_user u using (user_id) where u.username = ${quote(reviewer.name)} and l.task_id is not null`),
      '0',
    );
  } finally {
    await slow.close();
  }
});
