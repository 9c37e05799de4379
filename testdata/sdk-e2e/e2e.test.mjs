// End-to-end test of the mock through the published Node SDKs: every flow
// of the @productcraft/auth README, token verification with the SDK's own
// helpers and with jose, and a smoke test of the older @productcraft/heimdall
// package. The tests share one mock and run in file order; each builds on the
// state the previous ones left (users, roles, credentials), as a real
// integration would.
//
// Run through run.sh, or against a running mock:
//   MOCK_URL=http://127.0.0.1:4010 node --test e2e.test.mjs
import { test, before, describe } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as jose from "jose";
import {
  Auth,
  AuthHttpError,
  AUTH_LEGACY_ISSUER,
  JwtAudienceMismatchError,
  JwtExpiredError,
  JwtIssuerMismatchError,
} from "@productcraft/auth";
import { Heimdall, HeimdallHttpError } from "@productcraft/heimdall";

const MOCK_URL = (process.env.MOCK_URL ?? "").replace(/\/+$/, "");
if (!/^https?:\/\/[^/]+$/.test(MOCK_URL)) {
  throw new Error(
    `MOCK_URL must be the mock's origin, e.g. http://127.0.0.1:4010 (got ${JSON.stringify(process.env.MOCK_URL)})`,
  );
}

const PASSWORD = "correct horse battery";
const NEW_PASSWORD = "staple battery horse correct";

// The /__mock control plane is not part of the SDK; plain fetch reaches it.
async function control(method, path, body) {
  const res = await fetch(MOCK_URL + path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) {
    throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  }
  return text ? JSON.parse(text) : undefined;
}

// The newest code the mock mailed to an address, failing clearly if none.
async function mailedCode(to, kind) {
  const mails = await control("GET", `/__mock/outbox?to=${encodeURIComponent(to)}&kind=${kind}`);
  assert.ok(Array.isArray(mails) && mails.length > 0, `no ${kind} mail to ${to} in the outbox`);
  assert.match(mails[0].code, /^\d{6}$/, `the ${kind} mail carries a six-digit code`);
  return mails[0].code;
}

// Runs fn and asserts it rejects with the SDK's HTTP error of that status.
async function rejectsWithStatus(fn, status, ErrorClass = AuthHttpError) {
  await assert.rejects(
    fn,
    (err) => {
      assert.ok(err instanceof ErrorClass, `expected ${ErrorClass.name}, got ${err?.name}: ${err?.message}`);
      assert.equal(err.status, status, `HTTP status (body ${JSON.stringify(err.data)})`);
      return true;
    },
    `expected HTTP ${status}, but the call succeeded`,
  );
}

// test() for SDK flows: an unexpected HTTP error names the mock's answer,
// which the SDK's own message ("400 Bad Request") leaves out.
function sdkTest(name, fn) {
  test(name, async (t) => {
    try {
      await fn(t);
    } catch (err) {
      if (err instanceof AuthHttpError || err instanceof HeimdallHttpError) {
        err.message += ` (body: ${JSON.stringify(err.data)})`;
      }
      throw err;
    }
  });
}

function decodeHeader(token) {
  return jose.decodeProtectedHeader(token);
}

// The SDK's verifyToken compares exp with the caller's clock; the mock's
// tokens follow the mock's clock, so checks of expiry read it from there.
async function mockNow() {
  const clock = await control("GET", "/__mock/clock");
  return new Date(clock.now);
}

let boot; // bootstrap values from /__mock/health
let auth; // the SDK with the owner API key
let consumer; // auth.consumer(demo slug)
let app; // auth.app(demo app id)
const alice = {
  email: "alice@example.com",
  username: "alice",
  display_name: "Alice",
};
const shared = {}; // state handed from one test to the next

before(async () => {
  await control("POST", "/__mock/reset");
  const health = await control("GET", "/__mock/health");
  boot = health.bootstrap;
  for (const field of ["api_key", "app_id", "app_slug", "workspace_id", "base_url"]) {
    assert.ok(boot?.[field], `health.bootstrap.${field} is set`);
  }
  auth = new Auth({ auth: { type: "apiKey", key: boot.api_key }, baseUrl: MOCK_URL });
  consumer = auth.consumer(boot.app_slug);
  app = auth.app(boot.app_id);
});

sdkTest("the SDK's expected issuer is the mock's issuer", () => {
  assert.equal(boot.base_url, MOCK_URL, "the mock's base URL is the one the SDK is given");
  assert.equal(consumer.expectedIssuer, `${MOCK_URL}/${boot.app_slug}`);
  assert.equal(consumer.expectedAudience, boot.app_slug);
  assert.equal(boot.issuer, consumer.expectedIssuer, "health's issuer is what the SDK expects");
  assert.deepEqual([...consumer.acceptedIssuers], [consumer.expectedIssuer, AUTH_LEGACY_ISSUER]);
});

sdkTest("workspace admin: apps.list, apps.create, stats.get", async () => {
  const before = await auth.apps.list();
  assert.ok(before.data.some((a) => a.id === boot.app_id && a.slug === boot.app_slug), "the bootstrap app is listed");
  assert.equal(typeof before.pagination.has_more, "boolean");

  const created = await auth.apps.create({
    display_name: "Second App",
    slug: "second-app",
    workspace_id: boot.workspace_id,
  });
  assert.equal(created.slug, "second-app");
  assert.equal(created.display_name, "Second App");
  assert.equal(created.workspace_id, boot.workspace_id);
  assert.equal(created.status, "active");

  const scoped = await auth.apps.list({ workspaceId: boot.workspace_id, limit: "100" });
  assert.ok(scoped.data.some((a) => a.id === created.id), "the new app is listed in its workspace");

  await rejectsWithStatus(
    () => auth.apps.create({ display_name: "Again", slug: "second-app", workspace_id: boot.workspace_id }),
    409,
  );

  const stats = await auth.stats.get();
  assert.ok(stats.apps >= 2, `stats.apps counts both apps (got ${stats.apps})`);
  for (const field of ["apps", "end_users", "api_keys_active"]) {
    assert.equal(typeof stats[field], "number", `stats.${field} is a number`);
  }
});

sdkTest("consumer sign-up, and 409 for a duplicate", async () => {
  const tokens = await consumer.auth.signup({ ...alice, password: PASSWORD });
  assert.equal(typeof tokens?.access_token, "string", "sign-up returns an access token");
  const claims = await consumer.verifyToken(tokens.access_token);
  shared.aliceId = claims.sub;

  await rejectsWithStatus(() => consumer.auth.signup({ ...alice, password: PASSWORD }), 409);
  await rejectsWithStatus(
    () => consumer.auth.signup({ email: "other@example.com", username: alice.username, password: PASSWORD }),
    409,
  );
});

sdkTest("email verification through the outbox", async () => {
  const sent = await consumer.auth.sendVerificationEmail({ email: alice.email });
  assert.ok(!Number.isNaN(Date.parse(sent.expires_at)), "sendVerificationEmail answers expires_at");
  assert.equal(sent.code, undefined, "the code is mailed, not returned");

  const code = await mailedCode(alice.email, "verification");
  const verified = await consumer.auth.verify({ code });
  assert.equal(verified.account_id, shared.aliceId);
  assert.equal(verified.type, "email");
  assert.equal(verified.value, alice.email);
  assert.ok(!Number.isNaN(Date.parse(verified.verified_at)), "verified_at is a timestamp");
  // A code is single-use.
  await rejectsWithStatus(() => consumer.auth.verify({ code }), 410);
});

sdkTest("sign-in, and 401 for a wrong password", async () => {
  const tokens = await consumer.auth.signin({ identifier: alice.email, password: PASSWORD });
  assert.equal(typeof tokens.access_token, "string");
  assert.equal(typeof tokens.refresh_token, "string");
  assert.equal(tokens.token_type, "Bearer");
  assert.ok(tokens.expires_in > 0);
  shared.tokens = tokens;

  await rejectsWithStatus(() => consumer.auth.signin({ identifier: alice.email, password: "not the password" }), 401);
  await rejectsWithStatus(() => consumer.auth.signin({ identifier: "nobody@example.com", password: PASSWORD }), 401);
});

sdkTest("issued tokens pass scope.verifyToken and jose.jwtVerify with the SDK's issuer and audience", async () => {
  const token = shared.tokens.access_token;
  const claims = await consumer.verifyToken(token);
  assert.equal(claims.sub, shared.aliceId);
  assert.equal(claims.iss, consumer.expectedIssuer);
  assert.equal(claims.aud, consumer.expectedAudience);
  assert.equal(claims.aid, boot.app_id);
  assert.equal(claims.type, "end_user");
  assert.equal(claims.role, "member");
  assert.deepEqual(claims.amr, ["pwd"]);
  assert.equal(typeof claims.sid, "string");
  assert.ok(claims.exp > claims.iat);

  const { payload, protectedHeader } = await jose.jwtVerify(token, consumer.jwks.getKey, {
    issuer: consumer.expectedIssuer,
    audience: consumer.expectedAudience,
    algorithms: ["RS256"],
  });
  assert.equal(payload.sub, shared.aliceId);
  assert.equal(protectedHeader.alg, "RS256");
  assert.match(protectedHeader.kid, /^rs256-/);

  // The issuer pin means something: another app's issuer is refused.
  await assert.rejects(
    () => consumer.verifyToken(token, { issuer: `${MOCK_URL}/second-app` }),
    JwtIssuerMismatchError,
  );
});

sdkTest("refresh rotates the refresh token and logout ends the session", async () => {
  const first = await consumer.auth.signin({ identifier: alice.username, password: PASSWORD });
  const rotated = await consumer.auth.refresh({ refresh_token: first.refresh_token });
  assert.notEqual(rotated.refresh_token, first.refresh_token);
  assert.equal((await consumer.verifyToken(rotated.access_token)).sub, shared.aliceId);

  await consumer.auth.logout({ refresh_token: rotated.refresh_token });
  await rejectsWithStatus(() => consumer.auth.refresh({ refresh_token: rotated.refresh_token }), 401);
});

sdkTest("me: profile, sessions and revoking one session with the user's bearer token", async () => {
  const other = await consumer.auth.signin({ identifier: alice.email, password: PASSWORD });
  const otherSid = (await consumer.verifyToken(other.access_token)).sid;

  const asAlice = new Auth({ auth: { type: "bearer", token: shared.tokens.access_token }, baseUrl: MOCK_URL });
  const me = asAlice.consumer(boot.app_slug).me;

  const profile = await me.getProfile();
  assert.equal(profile.id, shared.aliceId);
  assert.equal(profile.username, alice.username);
  assert.equal(profile.email, alice.email);
  assert.ok(profile.email_verified_at, "the profile shows the verified email");

  const sessions = await me.listSessions();
  assert.ok(sessions.data.some((s) => s.id === otherSid), "the second session is listed");
  assert.equal(typeof sessions.pagination.has_more, "boolean");

  await me.revokeSession(otherSid);
  await rejectsWithStatus(() => consumer.auth.refresh({ refresh_token: other.refresh_token }), 401);
  const after = await me.listSessions();
  assert.ok(!after.data.some((s) => s.id === otherSid), "the revoked session is gone");
});

sdkTest("app admin: end users list, update and status", async () => {
  const users = await app.endUsers.list({ limit: "20" });
  const row = users.data.find((u) => u.id === shared.aliceId);
  assert.ok(row, "alice is listed");
  assert.equal(row.email, alice.email);
  assert.ok(row.email_verified_at, "alice's email shows as verified");

  const updated = await app.endUsers.update(shared.aliceId, { display_name: "Alice Smith" });
  assert.equal(updated.display_name, "Alice Smith");

  const suspended = await app.endUsers.updateStatus(shared.aliceId, { status: "suspended" });
  assert.equal(suspended.status, "suspended");
  await rejectsWithStatus(() => consumer.auth.signin({ identifier: alice.email, password: PASSWORD }), 403);
  const active = await app.endUsers.updateStatus(shared.aliceId, { status: "active" });
  assert.equal(active.status, "active");

  // Leaving active ended alice's sessions; sign in again for what follows.
  shared.tokens = await consumer.auth.signin({ identifier: alice.email, password: PASSWORD });
});

sdkTest("app admin: roles, permissions and authorize", async () => {
  const role = await app.roles.create({ name: "billing-admin", description: "Billing admin" });
  assert.equal(role.name, "billing-admin");
  assert.equal(role.is_system, false);

  await app.permissions.create({ resource: "billing", action: "read" });
  const catalog = await app.permissions.list();
  assert.ok(
    catalog.some((p) => p.resource === "billing" && p.action === "read"),
    "billing.read is in the permission catalog",
  );

  await app.roles.setPermissions("billing-admin", { permissions: ["billing.read"] });

  const token = shared.tokens.access_token;
  const before = await consumer.verify.authorize({ token, permission: "billing.read" });
  assert.equal(before.authorized, false, "a member does not hold billing.read");

  // The SDK README's `{ userId, roleName }` lacks the DTO's required fields.
  await rejectsWithStatus(() => app.roles.assign({ userId: shared.aliceId, roleName: "billing-admin" }), 400);
  const membership = await app.roles.assign({ account_id: shared.aliceId, role: "billing-admin" });
  assert.equal(membership.account_id, shared.aliceId);
  assert.equal(membership.role_id, role.id);

  const after = await consumer.verify.authorize({ token, permission: "billing.read" });
  assert.equal(after.authorized, true, `billing-admin holds billing.read: ${JSON.stringify(after)}`);

  const verified = await consumer.verify.verify({ token });
  assert.equal(verified.valid, true);
  assert.equal(verified.principal.sub, shared.aliceId);
  assert.equal(verified.principal.aid, boot.app_id);
  assert.equal(verified.principal.type, "end_user");
  assert.equal(verified.principal.role, "billing-admin");

  const garbage = await consumer.verify.verify({ token: "not.a.jwt" });
  assert.equal(garbage.valid, false);
});

sdkTest("app admin: revoking all sessions of a user", async () => {
  const session = await consumer.auth.signin({ identifier: alice.email, password: PASSWORD });
  await app.endUsers.revokeAllSessions(shared.aliceId);
  await rejectsWithStatus(() => consumer.auth.refresh({ refresh_token: session.refresh_token }), 401);
  const check = await consumer.verify.verify({ token: session.access_token });
  assert.equal(check.valid, false, "/verify refuses a token of a revoked session");

  shared.tokens = await consumer.auth.signin({ identifier: alice.email, password: PASSWORD });
});

sdkTest("app admin: API keys, M2M credentials, audit logs, auth config", async () => {
  // The SDK README's `permissions: []` breaks the spec (minItems 1).
  await rejectsWithStatus(() => app.apiKeys.create({ name: "ci", permissions: [] }), 400);
  const key = await app.apiKeys.create({ name: "ci", permissions: ["user.read"] });
  assert.equal(key.name, "ci");
  assert.equal(typeof key.key, "string");
  assert.ok(key.key.startsWith(key.key_prefix), "the key starts with its prefix");
  assert.deepEqual(key.permissions, ["user.read"]);
  const keys = await app.apiKeys.list();
  assert.ok(keys.data.some((k) => k.id === key.id && k.key === undefined), "lists show the key without its secret");

  const m2m = await app.credentials.create({ name: "backend-svc" });
  assert.equal(m2m.name, "backend-svc");
  assert.equal(typeof m2m.client_id, "string");
  assert.equal(typeof m2m.client_secret, "string");
  shared.m2m = m2m;

  const logs = await app.auditLogs.list({ limit: "100" });
  assert.ok(logs.data.length > 0, "the admin calls above are audited");
  assert.ok(logs.data.every((e) => e.app_id === boot.app_id));

  const config = await app.authConfig.update({ password_min_length: 12 });
  assert.equal(config.password_min_length, 12);
  await rejectsWithStatus(
    () => consumer.auth.signup({ email: "short@example.com", username: "shorty", password: "elevenchars" }),
    400,
  );
});

sdkTest("a scoped API key is refused with 403 beyond its permissions", async () => {
  const key = await app.apiKeys.create({ name: "reader", permissions: ["user.read"] });
  const scoped = new Auth({ auth: { type: "apiKey", key: key.key }, baseUrl: MOCK_URL }).app(boot.app_id);
  const users = await scoped.endUsers.list({ limit: "5" });
  assert.ok(Array.isArray(users.data), "user.read lists end users");
  await rejectsWithStatus(() => scoped.apiKeys.create({ name: "root", permissions: ["*"] }), 403);
  await rejectsWithStatus(() => scoped.endUsers.updateStatus(shared.aliceId, { status: "suspended" }), 403);
  await rejectsWithStatus(() => scoped.credentials.create({ name: "svc" }), 403);
  await rejectsWithStatus(() => scoped.roles.assign({ account_id: shared.aliceId, role: "owner" }), 403);
});

sdkTest("a reset request for an unknown email answers {}", async () => {
  const answer = await consumer.auth.requestReset({ email: "nobody-at-all@example.com" });
  assert.deepEqual(answer, {}, "no code and no expiry when no verified contact matches");
  const minted = await consumer.auth.requestReset({ email: alice.email });
  assert.match(minted.code, /^\d{6}$/, "a verified address gets a code");
});

sdkTest("password reset through the outbox", async () => {
  const sent = await consumer.auth.sendPasswordResetEmail({ email: alice.email });
  assert.ok(!Number.isNaN(Date.parse(sent.expires_at)), "sendPasswordResetEmail answers expires_at");
  assert.equal(sent.code, undefined, "the code is mailed, not returned");

  const code = await mailedCode(alice.email, "password_reset");
  await consumer.auth.resetPassword({ code, new_password: NEW_PASSWORD });

  await rejectsWithStatus(() => consumer.auth.signin({ identifier: alice.email, password: PASSWORD }), 401);
  shared.tokens = await consumer.auth.signin({ identifier: alice.email, password: NEW_PASSWORD });
  await rejectsWithStatus(() => consumer.auth.resetPassword({ code, new_password: PASSWORD }), 410);
});

sdkTest("oauth.clientCredentials with the created credentials", async () => {
  // The SDK README's camelCase `{ clientId, clientSecret, scope }` is not the wire shape.
  await rejectsWithStatus(
    () => consumer.oauth.clientCredentials({ clientId: shared.m2m.client_id, clientSecret: shared.m2m.client_secret }),
    400,
  );
  const grant = await consumer.oauth.clientCredentials({
    client_id: shared.m2m.client_id,
    client_secret: shared.m2m.client_secret,
    grant_type: "client_credentials",
  });
  assert.equal(typeof grant.access_token, "string");
  assert.equal(grant.token_type, "Bearer");
  assert.ok(grant.expires_in > 0);
  assert.equal(typeof grant.scope, "string");

  const claims = await consumer.verifyToken(grant.access_token);
  assert.equal(claims.type, "m2m");
  assert.equal(claims.sub, shared.m2m.client_id);

  const verified = await consumer.verify.verify({ token: grant.access_token });
  assert.equal(verified.valid, true);
  assert.equal(verified.principal.type, "m2m");

  await rejectsWithStatus(
    () =>
      consumer.oauth.clientCredentials({
        client_id: shared.m2m.client_id,
        client_secret: "wrong",
        grant_type: "client_credentials",
      }),
    401,
  );
});

// jose (under the SDK's JwksCache) refetches the JWKS on an unknown kid only
// when its last fetch is older than the cooldown, 30 s by default, which the
// SDK neither exposes nor lets refresh() bypass. So a verifier that fetched
// the key set moments before the rotation refuses the new kid until then.
const JWKS_COOLDOWN_MS = 30_000;

sdkTest("tokens verify across a signing-key rotation", async (t) => {
  const old = shared.tokens.access_token;
  const oldKid = decodeHeader(old).kid;
  await consumer.verifyToken(old); // the long-lived verifier holds the old key set

  const rotated = await control("POST", `/__mock/apps/${boot.app_slug}/keys/rotate`);
  assert.notEqual(rotated.kid, oldKid);

  const fresh = await consumer.auth.signin({ identifier: alice.email, password: NEW_PASSWORD });
  assert.equal(decodeHeader(fresh.access_token).kid, rotated.kid, "new tokens are signed with the new key");

  // A verifier started after the rotation sees both keys published.
  const newcomer = auth.consumer(boot.app_slug);
  assert.equal((await newcomer.verifyToken(fresh.access_token)).sub, shared.aliceId);
  assert.equal((await newcomer.verifyToken(old)).sub, shared.aliceId, "the old key stays published");

  // The long-lived verifier picks up the new kid once jose's cooldown has
  // passed; Date is moved forward rather than waiting it out.
  t.mock.timers.enable({ apis: ["Date"], now: Date.now() });
  t.mock.timers.tick(JWKS_COOLDOWN_MS + 1_000);
  assert.equal((await consumer.verifyToken(fresh.access_token)).sub, shared.aliceId);
  await jose.jwtVerify(fresh.access_token, consumer.jwks.getKey, {
    issuer: consumer.expectedIssuer,
    audience: consumer.expectedAudience,
    algorithms: ["RS256"],
  });
  assert.equal((await consumer.verifyToken(old)).sub, shared.aliceId);
  t.mock.timers.reset();
  shared.tokens = fresh;
});

sdkTest("a legacy-issuer token verifies through verifyToken's accepted issuers", async () => {
  const minted = await control("POST", "/__mock/tokens", { sub: alice.username, legacy_issuer: true });
  const payload = jose.decodeJwt(minted.access_token);
  assert.equal(payload.iss, AUTH_LEGACY_ISSUER);
  assert.equal(payload.aud, undefined, "legacy tokens carry no audience, as the SDK README describes them");

  // SDK 0.6.0 pins the audience even for the legacy issuer, so by default
  // it refuses the very tokens acceptedIssuers exists for. Its documented
  // `audience: false` does not help either (jose 6 checks any audience
  // option that is not undefined); an explicit undefined is the way through.
  await assert.rejects(() => consumer.verifyToken(minted.access_token), JwtAudienceMismatchError);
  await assert.rejects(() => consumer.verifyToken(minted.access_token, { audience: false }), JwtAudienceMismatchError);
  const claims = await consumer.verifyToken(minted.access_token, { audience: undefined });
  assert.equal(claims.iss, AUTH_LEGACY_ISSUER);
  assert.equal(claims.sub, shared.aliceId);

  // Pinning only the per-app issuer refuses it: the legacy entry of
  // acceptedIssuers is what let it through.
  await assert.rejects(
    () => consumer.verifyToken(minted.access_token, { audience: undefined, issuer: consumer.expectedIssuer }),
    JwtIssuerMismatchError,
  );
});

sdkTest("the older @productcraft/heimdall SDK: sign-in and admin calls", async () => {
  const heimdall = new Heimdall({ auth: { type: "apiKey", key: boot.api_key }, baseUrl: MOCK_URL });
  const scope = heimdall.consumer(boot.app_slug);

  const tokens = await scope.auth.signin({ identifier: alice.email, password: NEW_PASSWORD });
  assert.equal(typeof tokens.access_token, "string");
  assert.equal((await scope.verifyToken(tokens.access_token)).sub, shared.aliceId);
  await rejectsWithStatus(
    () => scope.auth.signin({ identifier: alice.email, password: "not the password" }),
    401,
    HeimdallHttpError,
  );

  const apps = await heimdall.apps.list();
  assert.ok(apps.data.some((a) => a.id === boot.app_id));
  const users = await heimdall.app(boot.app_id).endUsers.list();
  assert.ok(users.data.some((u) => u.id === shared.aliceId));
});

// A native-client id token as Apple shapes it, for the app's Apple client
// id and the nonce, but signed by no key Apple publishes.
function forgedAppleIdToken(nonce) {
  const b64 = (v) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: "RS256", kid: "not-an-apple-key" };
  const claims = {
    iss: "https://appleid.apple.com",
    aud: boot.apple_client_id,
    sub: "000123.forged.0123",
    email: "forged@example.com",
    email_verified: true,
    nonce: createHash("sha256").update(nonce).digest("hex"),
    iat: now,
    exp: now + 600,
  };
  return `${b64(header)}.${b64(claims)}.${Buffer.alloc(256, 7).toString("base64url")}`;
}

// Runs fn and asserts it rejects with the SDK's HTTP error of that status
// and the machine-readable code the mock puts in the NestJS body.
async function rejectsWithCode(fn, status, code) {
  await assert.rejects(
    fn,
    (err) => {
      assert.ok(err instanceof AuthHttpError, `expected AuthHttpError, got ${err?.name}: ${err?.message}`);
      assert.equal(err.status, status, `HTTP status (body ${JSON.stringify(err.data)})`);
      assert.equal(err.data?.code, code, `error code (body ${JSON.stringify(err.data)})`);
      return true;
    },
    `expected HTTP ${status} ${code}, but the call succeeded`,
  );
}

// The SDK README: "401 = bad signature / issuer / audience / nonce / expired".
// The forged token's kid is in no provider's key set, so the signature
// check is what refuses it, and the answer says so.
sdkTest("federated sign-in refuses an id token no provider signed", async () => {
  assert.ok(boot.apple_client_id, "health.bootstrap.apple_client_id is set");
  const nonce = "n".repeat(43);
  await rejectsWithCode(
    () => consumer.auth.signinWithProvider({ provider: "apple", id_token: forgedAppleIdToken(nonce), nonce }),
    401,
    "invalid_signature",
  );
});

// signinWithProvider with ID tokens the mock's fake Apple signs
// (POST /__mock/idp/apple/id-token): the sign-ins, every 401 the README
// lists, and the three oauth_link_policy outcomes against alice's verified
// email.
describe("federated sign-in with tokens from the fake Apple", () => {
  const appleSub = "000123.e2e0sdk0test.0420";
  const appleEmail = "apple.e2e@example.com";
  let counter = 0;
  // Each sign-in needs its own raw nonce: the mock spends every one it accepts.
  const freshNonce = () => `e2e-${++counter}-${"0123456789abcdef".repeat(3)}`;
  const appleIdToken = async (fields) =>
    (await control("POST", "/__mock/idp/apple/id-token", { sub: appleSub, email: appleEmail, ...fields })).id_token;
  const signin = (id_token, nonce, user) =>
    consumer.auth.signinWithProvider({ provider: "apple", id_token, nonce, ...(user ? { user } : {}) });
  const appleShared = {};

  sdkTest("first sign-in creates the account with Apple's user.name", async () => {
    const nonce = freshNonce();
    const tokens = await signin(await appleIdToken({ nonce }), nonce, { name: "Apple Tester", email: appleEmail });
    const claims = await consumer.verifyToken(tokens.access_token, { currentDate: await mockNow() });
    assert.deepEqual(claims.amr, ["oauth", "apple"], "amr names the federated method");
    assert.equal(claims.type, "end_user");
    appleShared.sub = claims.sub;

    const asApple = new Auth({ auth: { type: "bearer", token: tokens.access_token }, baseUrl: MOCK_URL });
    const profile = await asApple.consumer(boot.app_slug).me.getProfile();
    assert.equal(profile.display_name, "Apple Tester");
    assert.equal(profile.email, appleEmail);
    assert.ok(profile.email_verified_at, "Apple said email_verified, so the contact is verified");
  });

  sdkTest("the id-token helper's user object sets the name on a first sign-in", async () => {
    const nonce = freshNonce();
    const minted = await control("POST", "/__mock/idp/apple/id-token", {
      sub: "000123.e2e0named.0420",
      email: "apple.named@example.com",
      name: "Named Tester",
      nonce,
    });
    assert.equal(minted.claims.name, undefined, "Apple tokens carry no name");
    assert.equal(minted.user.name, "Named Tester");
    const tokens = await signin(minted.id_token, nonce, minted.user);
    const asNamed = new Auth({ auth: { type: "bearer", token: tokens.access_token }, baseUrl: MOCK_URL });
    assert.equal((await asNamed.consumer(boot.app_slug).me.getProfile()).display_name, "Named Tester");
  });

  sdkTest("a repeat sign-in returns the same account and keeps the name", async () => {
    const nonce = freshNonce();
    const tokens = await signin(await appleIdToken({ nonce }), nonce);
    const claims = await consumer.verifyToken(tokens.access_token, { currentDate: await mockNow() });
    assert.equal(claims.sub, appleShared.sub);
    const asApple = new Auth({ auth: { type: "bearer", token: tokens.access_token }, baseUrl: MOCK_URL });
    assert.equal((await asApple.consumer(boot.app_slug).me.getProfile()).display_name, "Apple Tester");
  });

  sdkTest("a nonce other than the one the token is bound to: 401 nonce_mismatch", async () => {
    const token = await appleIdToken({ nonce: freshNonce() });
    await rejectsWithCode(() => signin(token, freshNonce()), 401, "nonce_mismatch");
  });

  sdkTest("a replayed nonce: 401 nonce_replayed", async () => {
    const nonce = freshNonce();
    const token = await appleIdToken({ nonce });
    await signin(token, nonce);
    await rejectsWithCode(() => signin(token, nonce), 401, "nonce_replayed");
  });

  sdkTest("a token signed with a key Apple never published: 401 invalid_signature", async () => {
    const nonce = freshNonce();
    const token = await appleIdToken({ nonce, signing: "wrong-key" });
    await rejectsWithCode(() => signin(token, nonce), 401, "invalid_signature");
  });

  sdkTest("an expired token: 401 expired", async () => {
    const nonce = freshNonce();
    const token = await appleIdToken({ nonce, expires_in: -60 });
    await rejectsWithCode(() => signin(token, nonce), 401, "expired");
  });

  sdkTest("oauth_link_policy confirm, reject and auto on a verified email", async () => {
    const other = { sub: "000123.e2e0collide.0420", email: alice.email };
    const attempt = async (fields) => {
      const nonce = freshNonce();
      return signin(await appleIdToken({ ...other, ...fields, nonce }), nonce);
    };
    try {
      assert.equal((await app.authConfig.update({ oauth_link_policy: "confirm" })).oauth_link_policy, "confirm");
      await rejectsWithCode(() => attempt({}), 409, "link_required");

      await app.authConfig.update({ oauth_link_policy: "reject" });
      await rejectsWithCode(() => attempt({}), 409, "account_exists_with_different_provider");

      await app.authConfig.update({ oauth_link_policy: "auto" });
      // A private relay never auto-links, whatever the policy.
      await rejectsWithCode(() => attempt({ is_private_email: true }), 409, "link_required");
      const linked = await attempt({});
      const claims = await consumer.verifyToken(linked.access_token, { currentDate: await mockNow() });
      assert.equal(claims.sub, shared.aliceId, "auto links the Apple identity to alice's account");
    } finally {
      await app.authConfig.update({ oauth_link_policy: "confirm" });
    }
  });
});

// Last: it moves the mock's clock forward for good.
sdkTest("after the mock clock advances 2h the same token is expired", async () => {
  const token = shared.tokens.access_token;
  await consumer.verifyToken(token, { currentDate: await mockNow() });

  await control("POST", "/__mock/clock", { advance: "2h" });
  const now = await mockNow();
  await assert.rejects(() => consumer.verifyToken(token, { currentDate: now }), JwtExpiredError);
  await assert.rejects(
    () =>
      jose.jwtVerify(token, consumer.jwks.getKey, {
        issuer: consumer.expectedIssuer,
        audience: consumer.expectedAudience,
        algorithms: ["RS256"],
        currentDate: now,
      }),
    jose.errors.JWTExpired,
  );
  const check = await consumer.verify.verify({ token });
  assert.equal(check.valid, false, "the mock's /verify agrees the token expired");
});
