// The helper is an ES module; a CommonJS config (Jest's default) loads it
// with a dynamic import.
exports.startMock = async (options) => (await import('@heimdall-mock/node')).startMock(options);
