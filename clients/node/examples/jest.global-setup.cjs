// Jest: one mock for the whole run, started by globalSetup and stopped by
// globalTeardown. Workers reach it through the environment.
//
// jest.config.js:
//   module.exports = {
//     globalSetup: './jest.global-setup.cjs',
//     globalTeardown: './jest.global-teardown.cjs',
//   };
//
// Jest's workers share this one mock; tests that change its state should
// run with --runInBand, or start their own mock with startMock() in a
// beforeAll of the test file (one per worker, as in the Vitest example).
const { startMock } = require('./load-helper.cjs');

module.exports = async function globalSetup() {
  const mock = await startMock();
  globalThis.__HEIMDALL_MOCK__ = mock;
  process.env.HEIMDALL_BASE_URL = mock.url;
  process.env.HEIMDALL_API_KEY = mock.bootstrap.api_key;
  process.env.HEIMDALL_APP_SLUG = mock.bootstrap.app_slug;
};
