// The helper as a user's test suite uses it, with the published SDK: sign
// up, sign in, verify with the SDK's verifyToken, a 409, the clock, the
// outbox, minted tokens, faults, the journal and reset.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Auth, AuthHttpError, JwtExpiredError } from '@productcraft/auth';
import { startMock } from '../index.js';

const PASSWORD = 'correct horse battery';
let mock;
let consumer;

before(async () => {
  mock = await startMock();
  const auth = new Auth({ auth: { type: 'apiKey', key: mock.bootstrap.api_key }, baseUrl: mock.url });
  consumer = auth.consumer(mock.bootstrap.app_slug);
});
after(() => mock?.stop());

async function rejectsWithStatus(fn, status) {
  await assert.rejects(fn, (err) => {
    assert.ok(err instanceof AuthHttpError, `expected AuthHttpError, got ${err?.name}: ${err?.message}`);
    assert.equal(err.status, status, JSON.stringify(err.data));
    return true;
  });
}

test('bootstrap names the app the SDK talks to', () => {
  assert.equal(mock.bootstrap.base_url, mock.url);
  assert.equal(mock.bootstrap.issuer, `${mock.url}/${mock.bootstrap.app_slug}`);
  assert.match(mock.url, /^http:\/\/127\.0\.0\.1:\d+$/);
});

test('sign-up, verifyToken, a duplicate 409 and sign-in through the SDK', async () => {
  const up = await consumer.auth.signup({ email: 'ada@example.com', username: 'ada', password: PASSWORD });
  const claims = await consumer.verifyToken(up.access_token);
  assert.equal(claims.iss, mock.bootstrap.issuer);
  await rejectsWithStatus(() => consumer.auth.signup({ email: 'ada@example.com', username: 'ada2', password: PASSWORD }), 409);
  const signin = await consumer.auth.signin({ identifier: 'ada', password: PASSWORD });
  assert.equal((await consumer.verifyToken(signin.access_token)).sub, claims.sub);
  await rejectsWithStatus(() => consumer.auth.signin({ identifier: 'ada', password: 'wrong' }), 401);
});

test('the outbox holds the verification code the SDK asked for', async () => {
  await consumer.auth.sendVerificationEmail({ email: 'ada@example.com' });
  const [mail] = await mock.outbox({ to: 'ada@example.com', kind: 'verification' });
  assert.match(mail.code, /^\d{6}$/);
  assert.ok(mail.link.startsWith(mock.url), `the link points at the mock: ${mail.link}`);
  await consumer.auth.verify({ code: mail.code });
  const byEmail = await consumer.auth.signin({ identifier: 'ada@example.com', password: PASSWORD });
  assert.ok(byEmail.access_token);
  assert.deepEqual(await mock.outbox({ to: 'nobody@example.com' }), []);
});

test('mintToken gives tokens verifyToken accepts, and expired ones it refuses', async () => {
  const token = await mock.mintToken({ sub: 'user-42', role: 'admin' });
  assert.equal((await consumer.verifyToken(token)).sub, 'user-42');
  const expired = await mock.mintToken({ sub: 'user-42', ttl: '-1h' });
  await assert.rejects(() => consumer.verifyToken(expired), JwtExpiredError);
});

test('advance, setTime and freeze move the mock clock', async () => {
  await mock.freeze();
  const t0 = await mock.setTime(new Date('2030-01-02T03:04:05Z'));
  assert.equal(t0.toISOString(), '2030-01-02T03:04:05.000Z');
  assert.equal((await mock.advance('90m')).toISOString(), '2030-01-02T04:34:05.000Z');
  assert.equal((await mock.advance(1500)).toISOString(), '2030-01-02T04:34:06.500Z');
  assert.equal((await mock.now()).toISOString(), '2030-01-02T04:34:06.500Z', 'a frozen clock stands still');
  await mock.freeze(false);
  await assert.rejects(() => mock.advance('soon'), (err) => err.status === 400 && /Go duration/.test(JSON.stringify(err.body)));
});

test('a fault answers the SDK, and the journal says so', async () => {
  const fault = await mock.addFault({ operation_id: 'ConsumerAuthController_signin', status: 503, times: 1 });
  assert.ok(fault.id);
  await rejectsWithStatus(() => consumer.auth.signin({ identifier: 'ada', password: PASSWORD }), 503);
  assert.ok((await consumer.auth.signin({ identifier: 'ada', password: PASSWORD })).access_token, 'times: 1 is used up');
  const [latest, faulted] = await mock.requests({ operationId: 'ConsumerAuthController_signin', limit: 2 });
  assert.equal(latest.status, 200);
  assert.equal(faulted.status, 503);
  assert.equal(faulted.answered_by, 'fault');
  assert.equal(faulted.fault_id, fault.id);
  assert.equal(latest.answered_by, undefined);
  assert.equal(latest.fault_id, undefined);
  assert.deepEqual((await mock.requests({ status: 503 })).map((r) => r.id), [faulted.id]);

  await mock.addFault({ operation_id: 'ConsumerAuthController_signin', delay_ms: 1 });
  await mock.clearFaults();
  assert.deepEqual(await mock.control('GET', '/__mock/faults'), []);
  await assert.rejects(() => mock.addFault({ operation_id: 'NoSuchOperation', status: 500 }), (err) => err.status === 400);
});

test('reset forgets users, clock and journal', async () => {
  await mock.reset();
  await rejectsWithStatus(() => consumer.auth.signin({ identifier: 'ada', password: PASSWORD }), 401);
  const entries = await mock.requests();
  assert.equal(entries.length, 1, 'only the sign-in after the reset');
  assert.ok(Math.abs((await mock.now()) - Date.now()) < 60000, 'the clock is back to wall time');
});

test('stop ends the process and is safe twice', async () => {
  const other = await startMock({ seed: 7 });
  await other.stop();
  await other.stop();
  await assert.rejects(fetch(other.url + '/__mock/ready'));
  assert.throws(() => process.kill(other.pid, 0));
});
