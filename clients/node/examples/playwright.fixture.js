// Playwright: a worker-scoped fixture, so each Playwright worker has its
// own mock, reset before every test that uses it.
//
//   import { test, expect } from './playwright.fixture.js';
//   test('signs in', async ({ page, heimdall }) => {
//     await heimdall.signUp('ada@example.com', 'correct horse battery');
//     await page.goto(`http://localhost:3000/?auth=${heimdall.url}`);
//   });
import { test as base } from '@playwright/test';
import { startMock } from '@heimdall-mock/node';

export const test = base.extend({
  heimdallWorker: [
    async ({}, use) => {
      const mock = await startMock();
      await use(mock);
      await mock.stop();
    },
    { scope: 'worker' },
  ],
  heimdall: async ({ heimdallWorker }, use) => {
    await heimdallWorker.reset();
    await use(heimdallWorker);
  },
});

export { expect } from '@playwright/test';
