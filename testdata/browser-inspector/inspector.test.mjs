// Drives the inspector page (/__mock/ui) of a running mock in headless
// Chromium, the way a person debugging a failed test would use it: find the
// user a test signed up, open its session, decode the token, move the mock
// clock past expiry from the page and see the token refused, and read the
// codes the mock "mailed". A screenshot of each view goes to ARTIFACTS_DIR.
//
//   MOCK_URL=http://127.0.0.1:4010 node --test inspector.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const MOCK = (process.env.MOCK_URL || 'http://127.0.0.1:4010').replace(/\/$/, '');
const ARTIFACTS = process.env.ARTIFACTS_DIR || join(here, 'artifacts');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const WAIT = 10000;

let context;
let page;
let profile;
let boot;
const pageErrors = [];

// The user every step looks at; unique so reruns on one mock don't collide.
const tag = Date.now().toString(36);
const user = { username: 'ivy-' + tag, email: `ivy-${tag}@example.com`, password: 'correct horse battery' };

async function call(method, path, body, auth = true) {
  const headers = { 'content-type': 'application/json' };
  if (auth) headers.authorization = 'Bearer ' + boot.api_key;
  const res = await fetch(MOCK + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function shot(name) {
  await page.screenshot({ path: join(ARTIFACTS, name + '.png'), fullPage: true });
}

// view switches views with the keyboard, as a person without a mouse would.
async function view(name) {
  const link = page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name });
  await link.focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction((n) => document.querySelector('.views a[aria-current="page"]')?.textContent === n, name);
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const health = await (await fetch(MOCK + '/__mock/health')).json();
  boot = health.bootstrap;
  assert.ok(boot && boot.api_key, 'health names the bootstrap api key');
  profile = mkdtempSync(join(tmpdir(), 'inspector-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(WAIT);
  page.on('pageerror', (err) => pageErrors.push(err.message));
});

after(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

test('the page loads with its own assets and lists the bootstrap app', async () => {
  const resp = await page.goto(MOCK + '/__mock/ui');
  assert.equal(resp.status(), 200);
  await page.getByRole('heading', { name: /Demo demo/ }).waitFor();
  await page.getByText('Signing keys').first().waitFor();
  const kid = await page.locator('#apps-list code', { hasText: /^rs256-/ }).first().textContent();
  assert.match(kid, /^rs256-[0-9a-f]+$/);
  // Every form control has a label a screen reader can read.
  const unlabelled = await page.$$eval('input, select, textarea', (els) => els.filter((e) => e.labels.length === 0).map((e) => e.id));
  assert.deepEqual(unlabelled, []);
  await shot('1-apps');
});

test('a user signed up through the API is found, its session opened and its token decoded', async () => {
  const signup = await call('POST', `/${boot.app_slug}/v1/auth/signup`, user);
  assert.equal(signup.status, 200, JSON.stringify(signup.body));

  await view('Users');
  await page.getByLabel('Search').fill(user.username);
  const open = page.getByRole('button', { name: 'Open user ' + user.username });
  await open.waitFor();
  await shot('2-users');
  await open.click();
  const detail = page.locator('#user-detail');
  await detail.getByRole('heading', { name: new RegExp(user.username) }).waitFor();
  await detail.getByText(user.email).waitFor();
  assert.equal(await detail.locator('tbody tr', { hasText: 'Decode token' }).count(), 1, 'one live session with its token');
  await shot('3-user-detail');

  await detail.getByRole('button', { name: /Decode the token of session/ }).click();
  const verdict = page.locator('#token-verdict');
  await verdict.getByText('Verifies now').waitFor();
  // The journal keeps no signatures, and the page says what it could not check.
  await verdict.getByText(/Signature not checked/).waitFor();
  const claims = page.locator('#token-result');
  await claims.getByText(user.username).or(claims.locator('code', { hasText: 'end_user' })).first().waitFor();
  assert.match(await claims.textContent(), /"?end_user"?/);
  await shot('4-token-valid');
});

test('advancing the clock from the page makes the token expire', async () => {
  await view('Clock & faults');
  const before = await (await fetch(MOCK + '/__mock/clock')).json();
  await page.getByLabel('Advance by').fill('2h');
  await page.getByRole('button', { name: 'Advance', exact: true }).click();
  await page.getByRole('status').getByText(/Mock clock now/).waitFor();
  const afterClock = await (await fetch(MOCK + '/__mock/clock')).json();
  assert.ok(new Date(afterClock.now) - new Date(before.now) >= 2 * 3600 * 1000, 'the page moved the mock clock by 2h');
  await shot('5-clock');

  await view('Tokens');
  const verdict = page.locator('#token-verdict');
  await verdict.getByText('Refused: expired').waitFor();
  assert.match(await verdict.textContent(), /mock clock/);
  await shot('6-token-expired');
});

test('verification and reset codes are read from the outbox view', async () => {
  await view('Outbox');
  await page.getByLabel('Recipient').fill(user.email);
  await page.getByLabel('Kind').selectOption('verification');
  const code = page.locator('#outbox-list tbody tr', { hasText: 'verification' }).locator('.code-big').first();
  await code.waitFor();
  const verification = (await code.textContent()).trim();
  assert.match(verification, /^\d{6}$/);
  const verified = await call('POST', `/${boot.app_slug}/v1/auth/verify`, { code: verification });
  assert.ok(verified.status < 300, 'the code from the page verifies the email: ' + JSON.stringify(verified.body));

  const sent = await call('POST', `/${boot.app_slug}/v1/auth/send-password-reset-email`, { email: user.email });
  assert.ok(sent.status < 300, JSON.stringify(sent.body));
  await page.getByLabel('Kind').selectOption('');
  const resetRow = page.locator('#outbox-list tbody tr').first();
  await resetRow.getByText('password reset').waitFor();
  const reset = (await resetRow.locator('.code-big').textContent()).trim();
  assert.match(reset, /^\d{6}$/);
  await shot('7-outbox');
  const done = await call('POST', `/${boot.app_slug}/v1/auth/reset-password`, { code: reset, new_password: 'another horse battery' });
  assert.ok(done.status < 300, 'the reset code from the page resets the password: ' + JSON.stringify(done.body));
});

test('the request journal shows a broken request with its JSON pointer and rule', async () => {
  const bad = await call('POST', `/${boot.app_slug}/v1/auth/signin`, { identifier: user.username }, false);
  assert.equal(bad.status, 400);
  await view('Requests');
  await page.getByRole('form', { name: 'Filter the request journal' }).getByLabel('Status').fill('400');
  const row = page.locator('#requests-list tbody tr', { hasText: '/auth/signin' }).first();
  await row.waitFor();
  await row.getByRole('button', { name: /Details of POST/ }).click();
  const detail = page.locator('tr.req-detail').first();
  await detail.getByRole('table').first().waitFor();
  const text = await detail.textContent();
  assert.match(text, /\/password/, 'the JSON pointer of the missing field');
  assert.match(text, /is required/, 'the rule it broke');
  await shot('8-requests');
});

test('a fault added on the page breaks the API until it is removed there', async () => {
  await view('Clock & faults');
  const form = page.getByRole('form', { name: 'Add a fault' });
  await form.getByLabel('Method').selectOption('GET');
  await form.getByLabel('Path').fill(`/${boot.app_slug}/v1/.well-known/jwks.json`);
  await form.getByLabel('Status').fill('503');
  await form.getByLabel(/^Times/).fill('0');
  await form.getByRole('button', { name: 'Add fault' }).click();
  const remove = page.getByRole('button', { name: /^Remove fault / });
  await remove.waitFor();
  const broken = await fetch(`${MOCK}/${boot.app_slug}/v1/.well-known/jwks.json`);
  assert.equal(broken.status, 503, 'the fault from the page applies to the API');
  await page.locator('#faults-list td', { hasText: /^1$/ }).first().waitFor();
  await shot('9-faults');
  await remove.click();
  await page.getByText('No fault is active').waitFor();
  const healed = await fetch(`${MOCK}/${boot.app_slug}/v1/.well-known/jwks.json`);
  assert.equal(healed.status, 200);
});

// lowContrast lists text whose colour against its backdrop is below WCAG
// AA: 4.5:1, or 3:1 for large text (24px, or 18.66px bold).
function lowContrast() {
  const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const backdrop = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || c[3] > 0.5) return c;
    }
    return [255, 255, 255];
  };
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    const text = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent.trim()).join('');
    if (!text || el.offsetParent === null) continue;
    const st = getComputedStyle(el);
    const [l1, l2] = [lum(rgb(st.color)), lum(backdrop(el))].sort((a, b) => b - a);
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    const size = parseFloat(st.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(st.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) bad.push(`${text.slice(0, 30)} (${ratio.toFixed(2)})`);
  }
  return bad;
}

test('every view keeps text contrast at WCAG AA', async () => {
  for (const name of ['Apps', 'Users', 'Tokens', 'Outbox', 'Requests', 'Clock & faults']) {
    await view(name);
    await page.waitForTimeout(300);
    assert.deepEqual(await page.evaluate(lowContrast), [], `low contrast on ${name}`);
  }
});

test('the page reads on a phone', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await view('Users');
  await page.getByRole('button', { name: 'Open user ' + user.username }).waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `no horizontal scrolling on a phone (overflow ${overflow}px)`);
  await shot('10-phone-users');
  await view('Outbox');
  await shot('11-phone-outbox');
});

// Last before the script-error check: the reset removes the user the
// earlier tests share.
test('the journal marks answers chosen by a fault or Prefer, and reset asks first', async () => {
  await page.setViewportSize({ width: 1280, height: 900 });
  const jwks = `/${boot.app_slug}/v1/.well-known/jwks.json`;
  await fetch(MOCK + '/__mock/faults', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ method: 'GET', path: jwks, status: 502, times: 1 }) });
  assert.equal((await fetch(MOCK + jwks)).status, 502);
  assert.equal((await fetch(MOCK + jwks, { headers: { prefer: 'code=200' } })).status, 200);
  await view('Requests');
  await page.getByRole('form', { name: 'Filter the request journal' }).getByLabel('Status').fill('');
  const list = page.locator('#requests-list');
  await list.locator('tr', { hasText: '502' }).locator('.badge', { hasText: /^fault$/ }).waitFor();
  await list.locator('tr').filter({ has: page.locator('.badge', { hasText: /^Prefer$/ }) }).first().waitFor();
  await shot('9b-journal-marks');

  const dialog = page.getByRole('dialog', { name: 'Reset the mock?' });
  await page.getByRole('button', { name: 'Reset mock…' }).click();
  await dialog.waitFor();
  await shot('9c-reset-confirm');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'hidden' });
  const kept = await (await fetch(MOCK + '/__mock/requests?limit=1')).json();
  assert.equal(kept.length, 1, 'cancel leaves the mock as it was');

  await page.getByRole('button', { name: 'Reset mock…' }).click();
  await dialog.getByRole('button', { name: 'Reset everything' }).click();
  await page.getByText('Mock reset to its start').waitFor();
  const signin = await call('POST', `/${boot.app_slug}/v1/auth/signin`, { identifier: user.username, password: user.password });
  assert.equal(signin.status, 401, 'the signed-up user is gone after the reset');
});

test('the page threw no script error along the way', () => {
  assert.deepEqual(pageErrors, []);
});
