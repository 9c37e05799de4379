// CORS in a real browser: a page served from another origin (a local
// server on its own port) calls sign-in on the mock with the headers the
// SDK sends and gets tokens; the same page cannot reset the mock through
// /__mock, neither with a JSON call (no CORS grant) nor with a "simple"
// text/plain POST (refused by the control plane).
//
// Run through run.sh, or against a running mock:
//   MOCK_URL=http://127.0.0.1:4010 node --test cors.test.mjs
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { chromium } from "playwright-core";

const MOCK_URL = (process.env.MOCK_URL ?? "").replace(/\/+$/, "");
if (!/^https?:\/\/[^/]+$/.test(MOCK_URL)) {
  throw new Error(`MOCK_URL must be the mock's origin, e.g. http://127.0.0.1:4010 (got ${JSON.stringify(process.env.MOCK_URL)})`);
}
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

let browser, page, app, appURL, apiKey;

before(async () => {
  const health = await (await fetch(MOCK_URL + "/__mock/health")).json();
  apiKey = health.bootstrap.api_key;
  // The "app": another origin (localhost on its own port, the mock is on
  // 127.0.0.1), serving one blank page.
  app = createServer((req, res) => { res.setHeader("content-type", "text/html"); res.end("<!doctype html><title>app</title>"); });
  await new Promise((r) => app.listen(0, "127.0.0.1", r));
  appURL = `http://localhost:${app.address().port}/`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  page = await browser.newPage();
  await page.goto(appURL);
});

after(async () => {
  await browser?.close();
  await new Promise((r) => (app ? app.close(r) : r()));
});

test("a page on another origin signs up and signs in, and reads the tokens", async () => {
  const out = await page.evaluate(async ({ mock, key }) => {
    const post = async (path, body) => {
      const res = await fetch(mock + path, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    };
    await post("/demo/v1/auth/signup", { email: "cora@example.com", password: "correct horse battery", username: "cora" });
    return post("/demo/v1/auth/signin", { identifier: "cora", password: "correct horse battery" });
  }, { mock: MOCK_URL, key: apiKey });
  assert.equal(out.status, 200, JSON.stringify(out.body));
  assert.match(out.body.access_token, /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
  assert.ok(out.body.refresh_token);
});

test("the same page cannot reset the mock", async () => {
  const count = async () => (await (await fetch(MOCK_URL + `/__mock/requests?limit=1000`)).json()).length;
  const before = await count();
  const attempts = await page.evaluate(async (mock) => {
    const results = {};
    try {
      const res = await fetch(mock + "/__mock/reset", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      results.json = `answered ${res.status}`;
    } catch (e) {
      results.json = `blocked: ${e.message}`;
    }
    // No preflight for this one: the browser sends it, the mock refuses it.
    try {
      await fetch(mock + "/__mock/reset", { method: "POST", mode: "no-cors", headers: { "content-type": "text/plain" }, body: "{}" });
      results.simple = "sent";
    } catch (e) {
      results.simple = `blocked: ${e.message}`;
    }
    return results;
  }, MOCK_URL);
  assert.match(attempts.json, /^blocked/, "a JSON reset from another origin must fail its preflight");
  // The user signed up above still exists: nothing was reset.
  const res = await fetch(MOCK_URL + "/demo/v1/auth/signin", {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ identifier: "cora", password: "correct horse battery" }),
  });
  assert.equal(res.status, 200, "the mock was reset by a cross-origin page");
  assert.ok((await count()) >= before, "the journal was cleared by a cross-origin page");
});
