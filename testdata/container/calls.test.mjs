// The exported image, run under chroot by run.sh, answers as a user's tests
// would call it: ready, sign-up, sign-in, a token that verifies against the
// JWKS, a duplicate sign-up refused with 409. Needs no npm packages.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { createPublicKey, verify } from 'node:crypto';
import { join } from 'node:path';

const { MOCK_URL, MOCK_PID, ROOTFS, CONFIG, HEALTH } = process.env;
const config = JSON.parse(readFileSync(CONFIG, 'utf8'));
let boot;

async function call(method, path, body, token) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = 'Bearer ' + token;
  const res = await fetch(MOCK_URL + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

before(async () => {
  const deadline = Date.now() + 20000;
  for (;;) {
    try {
      const res = await fetch(MOCK_URL + '/__mock/ready');
      if (res.ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error('the mock in the image did not answer /__mock/ready within 20 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  boot = (await call('GET', '/__mock/health')).body.bootstrap;
});

test('the image runs as its unprivileged user and listens on every interface', () => {
  assert.match(config.User, /^[1-9][0-9]*(:[0-9]+)?$/, 'USER must be numeric and not root');
  const uid = readFileSync(`/proc/${MOCK_PID}/status`, 'utf8').match(/^Uid:\s+(\d+)/m)[1];
  assert.equal(uid, config.User.split(':')[0]);
  assert.deepEqual(config.Cmd.slice(0, 2), ['--host', '0.0.0.0']);
  assert.ok(config.ExposedPorts['4010/tcp'], 'port 4010 is exposed');
});

test('the image carries labels, CA certificates, a writable home and a health check', () => {
  for (const k of ['title', 'description', 'version', 'revision']) {
    assert.ok(config.Labels[`org.opencontainers.image.${k}`], `label org.opencontainers.image.${k}`);
  }
  assert.ok(statSync(join(ROOTFS, 'etc/ssl/certs/ca-certificates.crt')).size > 10000, 'CA bundle present');
  const home = config.Env.find((e) => e.startsWith('HOME=')).slice(5);
  assert.equal(String(statSync(join(ROOTFS, home)).uid), config.User.split(':')[0], `${home} belongs to the user`);
  const health = JSON.parse(readFileSync(HEALTH, 'utf8'));
  assert.ok(health && health.Test && health.Test.join(' ').includes('--healthcheck'), 'HEALTHCHECK probes the mock');
});

test('ready is tiny', async () => {
  const res = await fetch(MOCK_URL + '/__mock/ready');
  assert.equal(res.status, 200);
  assert.ok((await res.text()).length < 64);
});

test('sign-up, sign-in and a token that verifies against the JWKS', async () => {
  const email = 'container@example.com';
  const up = await call('POST', `/${boot.app_slug}/v1/auth/signup`, { email, password: 'correct horse battery', username: 'container' }, boot.api_key);
  assert.equal(up.status, 200, JSON.stringify(up.body));
  const dup = await call('POST', `/${boot.app_slug}/v1/auth/signup`, { email, password: 'correct horse battery', username: 'container2' }, boot.api_key);
  assert.equal(dup.status, 409, JSON.stringify(dup.body));
  assert.equal(dup.body.statusCode, 409);

  const signin = await call('POST', `/${boot.app_slug}/v1/auth/signin`, { identifier: 'container', password: 'correct horse battery' }, boot.api_key);
  assert.equal(signin.status, 200, JSON.stringify(signin.body));
  const token = signin.body.access_token;
  const [h, p, s] = token.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url'));
  const claims = JSON.parse(Buffer.from(p, 'base64url'));
  assert.equal(header.alg, 'RS256');
  assert.equal(claims.iss, boot.issuer);

  const jwks = await call('GET', `/${boot.app_slug}/v1/.well-known/jwks.json`);
  assert.equal(jwks.status, 200);
  const jwk = jwks.body.keys.find((k) => k.kid === header.kid);
  assert.ok(jwk, `JWKS lists the token's key ${header.kid}`);
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  assert.ok(verify('RSA-SHA256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url')), 'signature verifies');
});
