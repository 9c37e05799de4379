// Vitest: one mock per worker, reset before each test.
//
// vitest.config.js:
//   export default { test: { setupFiles: ['./vitest.setup.js'] } };
//
// Setup files run once in every worker, so each worker gets its own mock
// on its own port; tests read it from globalThis.heimdall.
import { beforeAll, beforeEach, afterAll } from 'vitest';
import { startMock } from '@heimdall-mock/node';

beforeAll(async () => {
  globalThis.heimdall = await startMock();
  process.env.HEIMDALL_BASE_URL = globalThis.heimdall.url;
  process.env.HEIMDALL_API_KEY = globalThis.heimdall.bootstrap.api_key;
});

beforeEach(async () => {
  await globalThis.heimdall.reset();
});

afterAll(async () => {
  await globalThis.heimdall?.stop();
});
