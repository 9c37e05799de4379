// The federated web sign-in in a real browser: the app's authorize URL
// redirects to the mock's fake Google sign-in page, the test fills and
// submits its form, the browser follows the callback to a local page at
// return_to, and the one-time heimdall_code found there is exchanged for
// tokens whose signature, issuer, audience and amr are checked against the
// app's JWKS.
//
// Run through run.sh, or against a running mock (started with --strict):
//   MOCK_URL=http://127.0.0.1:4010 node --test idp.test.mjs
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { createPublicKey, verify as verifySignature } from "node:crypto";
import { mkdtemp, mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const MOCK_URL = (process.env.MOCK_URL ?? "").replace(/\/+$/, "");
if (!/^https?:\/\/[^/]+$/.test(MOCK_URL)) {
  throw new Error(`MOCK_URL must be the mock's origin, e.g. http://127.0.0.1:4010 (got ${JSON.stringify(process.env.MOCK_URL)})`);
}
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const ARTIFACTS_DIR = process.env.ARTIFACTS_DIR ?? new URL("./artifacts", import.meta.url).pathname;

async function call(method, path, { body, token } = {}) {
  const headers = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(MOCK_URL + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function must(status, method, path, opts) {
  const res = await call(method, path, opts);
  assert.equal(res.status, status, `${method} ${path}: ${JSON.stringify(res.body)}`);
  return res.body;
}

// verifyJWT checks an RS256 token against a JWKS with node's crypto alone,
// so this test trusts nothing the mock says about its own tokens.
function verifyJWT(token, jwks) {
  const [h, p, s] = token.split(".");
  const header = JSON.parse(Buffer.from(h, "base64url"));
  assert.equal(header.alg, "RS256");
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  assert.ok(jwk, `kid ${header.kid} is published`);
  const ok = verifySignature("RSA-SHA256", Buffer.from(`${h}.${p}`), createPublicKey({ key: jwk, format: "jwk" }), Buffer.from(s, "base64url"));
  assert.ok(ok, "the signature verifies against the app's JWKS");
  return JSON.parse(Buffer.from(p, "base64url"));
}

let boot;
let landing; // the customer's page at return_to
let landingOrigin;
let context;
let userDataDir;

before(async () => {
  await must(204, "POST", "/__mock/reset");
  boot = (await must(200, "GET", "/__mock/health")).bootstrap;

  // The customer's app: one page that shows the code it was handed.
  landing = createServer((req, res) => {
    const url = new URL(req.url, "http://localhost");
    res.setHeader("content-type", "text/html; charset=utf-8");
    const code = url.searchParams.get("heimdall_code") ?? "";
    const error = url.searchParams.get("heimdall_error") ?? "";
    const esc = (s) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
    res.end(`<!doctype html><title>Back in the app</title><main><h1>Signed in</h1>
<output id="code">${esc(code)}</output><output id="error">${esc(error)}</output></main>`);
  });
  await new Promise((resolve) => landing.listen(0, "127.0.0.1", resolve));
  landingOrigin = `http://127.0.0.1:${landing.address().port}`;

  const config = await must(200, "PATCH", `/v1/apps/${boot.app_id}/auth-config`, {
    token: boot.api_key,
    body: { allowed_redirect_origins: [landingOrigin] },
  });
  assert.deepEqual(config.allowed_redirect_origins, [landingOrigin]);

  userDataDir = await mkdtemp(join(tmpdir(), "browser-idp-"));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
});

after(async () => {
  await context?.close();
  if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
  await new Promise((resolve) => (landing ? landing.close(resolve) : resolve()));
});

test("sign in with the fake Google in Chromium, then exchange the code for tokens", async () => {
  const page = await context.newPage();
  const returnTo = `${landingOrigin}/done?from=browser#welcome`;
  const authorize = `${MOCK_URL}/${boot.app_slug}/v1/auth/oauth/google/authorize?return_to=${encodeURIComponent(returnTo)}`;
  await page.goto(authorize);

  // The provider page: an accessible form reached by labels and roles.
  assert.equal(new URL(page.url()).pathname, "/__mock/idp/google/authorize");
  await page.getByRole("heading", { name: "Sign in with Google" }).waitFor();
  const verified = page.getByLabel("Email verified");
  assert.equal(await verified.isChecked(), true, "email verified is on by default");
  await page.getByLabel("Email", { exact: true }).fill("browser.user@example.com");
  await page.getByLabel("Name", { exact: true }).fill("Browser User");
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS_DIR, "idp-signin-page.png"), fullPage: true });

  await page.getByRole("button", { name: "Continue" }).click();
  await page.waitForURL((url) => url.origin === landingOrigin);

  // Back at return_to: its query and fragment kept, the code appended.
  const landed = new URL(page.url());
  assert.equal(landed.pathname, "/done");
  assert.equal(landed.searchParams.get("from"), "browser");
  assert.equal(landed.hash, "#welcome");
  const code = (await page.locator("#code").textContent()).trim();
  assert.ok(code.length >= 16, `a heimdall_code reached the page (${page.url()})`);
  assert.equal(code, landed.searchParams.get("heimdall_code"));

  const tokens = await must(200, "POST", `/${boot.app_slug}/v1/auth/oauth/exchange`, { body: { code } });
  assert.equal(tokens.token_type, "Bearer");
  const jwks = await must(200, "GET", `/${boot.app_slug}/v1/.well-known/jwks.json`);
  const claims = verifyJWT(tokens.access_token, jwks);
  assert.equal(claims.iss, boot.issuer);
  assert.equal(claims.aud, boot.app_slug);
  assert.deepEqual(claims.amr, ["oauth", "google"]);
  const check = await must(200, "POST", `/${boot.app_slug}/v1/verify`, { token: tokens.access_token, body: {} });
  assert.equal(check.valid, true, "the mock's /verify accepts the token");
  const me = await must(200, "GET", `/${boot.app_slug}/v1/me`, { token: tokens.access_token });
  assert.equal(me.email, "browser.user@example.com");
  assert.equal(me.display_name, "Browser User");

  // The code is single use.
  const again = await call("POST", `/${boot.app_slug}/v1/auth/oauth/exchange`, { body: { code } });
  assert.equal(again.status, 401, JSON.stringify(again.body));
  await page.close();
});

test("a return_to outside allowed_redirect_origins stops at a 400, never leaving the mock", async () => {
  const page = await context.newPage();
  const evil = "http://evil.example.com/steal";
  const res = await page.goto(`${MOCK_URL}/${boot.app_slug}/v1/auth/oauth/google/authorize?return_to=${encodeURIComponent(evil)}`);
  assert.equal(res.status(), 400);
  assert.equal(new URL(page.url()).origin, MOCK_URL);
  assert.match(await page.textContent("body"), /return_to_not_allowed/);
  await page.close();
});
