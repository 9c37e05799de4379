// Where the helper looks for the binary, and what it says when it is absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, symlinkSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findBinary, startMock, MockNotFoundError } from '../index.js';

const realBin = process.env.HEIMDALL_MOCK_BIN;

test('HEIMDALL_MOCK_BIN wins over PATH', () => {
  assert.ok(realBin, 'the tests need HEIMDALL_MOCK_BIN set to a built mock');
  assert.equal(findBinary({ env: { HEIMDALL_MOCK_BIN: realBin, PATH: '' } }), realBin);
});

test('on PATH the binary is found by the name go install gives it', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hm-path-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  symlinkSync(realBin, join(dir, 'heimdall-mock'));
  assert.equal(findBinary({ env: { PATH: ['/nonexistent', dir].join(':') } }), join(dir, 'heimdall-mock'));
});

test('a missing binary says exactly what to do', () => {
  assert.throws(
    () => findBinary({ env: { PATH: '/nonexistent' } }),
    (err) => {
      assert.ok(err instanceof MockNotFoundError);
      assert.match(err.message, /not on PATH and HEIMDALL_MOCK_BIN is not set/);
      assert.match(err.message, /go install github\.com\/heimdall-mock\/heimdall-mock\/cmd\/heimdall-mock@latest/);
      return true;
    },
  );
});

test('a HEIMDALL_MOCK_BIN that is not executable is named, not silently skipped', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hm-bin-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const notExec = join(dir, 'heimdall-mock');
  writeFileSync(notExec, 'not a program', { mode: 0o644 });
  for (const env of [{ HEIMDALL_MOCK_BIN: notExec }, { HEIMDALL_MOCK_BIN: join(dir, 'missing') }]) {
    assert.throws(() => findBinary({ env }), (err) => err instanceof MockNotFoundError && err.message.includes(JSON.stringify(env.HEIMDALL_MOCK_BIN)) && /HEIMDALL_MOCK_BIN/.test(err.message));
  }
});

test('startMock rejects with the same advice instead of spawning nothing', async () => {
  await assert.rejects(startMock({ env: { PATH: '/nonexistent' } }), (err) => err instanceof MockNotFoundError && /go install/.test(err.message));
  await assert.rejects(startMock({ bin: '/nonexistent/heimdall-mock' }), MockNotFoundError);
});

test('a mock that cannot start reports its own error', async () => {
  await assert.rejects(startMock({ spec: '/nonexistent/spec.yaml' }), /exited .* before serving[\s\S]*spec\.yaml/);
});
