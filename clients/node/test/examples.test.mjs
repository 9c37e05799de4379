// The examples are not run under Vitest, Jest or Playwright here (none is
// a dependency); this checks they parse and that the Jest pair really
// starts and stops a mock through the CommonJS loader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const require = createRequire(import.meta.url);

test('every example parses', () => {
  for (const f of ['vitest.setup.js', 'playwright.fixture.js', 'jest.global-setup.cjs', 'jest.global-teardown.cjs', 'load-helper.cjs']) {
    const r = spawnSync(process.execPath, ['--check', `examples/${f}`], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${f}: ${r.stderr}`);
  }
  assert.match(readFileSync('examples/playwright.fixture.js', 'utf8'), /scope: 'worker'/);
});

test('the Jest global setup starts a mock and the teardown stops it', async () => {
  const setup = require('../examples/jest.global-setup.cjs');
  const teardown = require('../examples/jest.global-teardown.cjs');
  await setup();
  const url = process.env.HEIMDALL_BASE_URL;
  assert.equal((await fetch(url + '/__mock/ready')).status, 200);
  assert.ok(process.env.HEIMDALL_API_KEY);
  await teardown();
  await assert.rejects(fetch(url + '/__mock/ready'));
});
