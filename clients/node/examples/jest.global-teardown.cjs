// Stops the mock jest.global-setup.cjs started.
module.exports = async function globalTeardown() {
  await globalThis.__HEIMDALL_MOCK__?.stop();
};
