// Two test files import this, so node --test runs them as two worker
// processes at once. Each starts its own mock; they meet at a rendezvous so
// both mocks are provably up at the same time, then do the same things and
// must not see each other's users, clock or journal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMock } from '../index.js';

// node --test starts each file as a child of the runner: the runner's pid
// names a folder only this run's workers share.
const meeting = join(tmpdir(), `heimdall-mock-parallel-${process.ppid}`);

async function waitFor(path, ms) {
  const deadline = Date.now() + ms;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`the other worker never started its mock (${path} missing after ${ms} ms)`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return readFileSync(path, 'utf8');
}

export function parallelWorker(me, other) {
  test(`worker ${me}: its own mock, untouched by worker ${other}`, async (t) => {
    const mock = await startMock();
    t.after(() => mock.stop());
    mkdirSync(meeting, { recursive: true });
    writeFileSync(join(meeting, me), mock.url);
    const otherURL = await waitFor(join(meeting, other), 90000);
    assert.notEqual(otherURL, mock.url, 'each worker has its own port');

    // The same address in both mocks: shared state would make one a 409.
    const tokens = await mock.signUp('same@example.com', 'correct horse battery', { username: 'same' });
    assert.ok(tokens.access_token);
    const moved = await mock.advance(me === 'a' ? '1h' : '48h');

    // Wait until the other worker has done the same before looking.
    writeFileSync(join(meeting, `${me}.done`), '');
    await waitFor(join(meeting, `${other}.done`), 90000);

    const now = await mock.now();
    assert.ok(Math.abs(now - moved) < 60000, `the clock moved only by this worker: ${now.toISOString()} vs ${moved.toISOString()}`);
    const signups = await mock.requests({ operationId: 'ConsumerAuthController_signup' });
    assert.equal(signups.length, 1, 'the journal holds this worker\'s sign-up only');
    assert.equal(signups[0].status, 200);
    const again = await mock.signIn('same', 'correct horse battery');
    assert.ok(again.access_token);

    // The last to leave tidies up: b says it is gone, a removes the folder.
    if (me === 'b') writeFileSync(join(meeting, 'b.left'), '');
    else {
      await waitFor(join(meeting, 'b.left'), 90000);
      rmSync(meeting, { recursive: true, force: true });
    }
  });
}
