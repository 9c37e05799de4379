// Starts the heimdall-mock binary for a test run and drives its control
// plane: the Node counterpart of the Go package heimdalltest.
//
//   import { startMock } from '@heimdall-mock/node';
//   const mock = await startMock();
//   // ... point the code under test at mock.url, with mock.bootstrap.api_key
//   await mock.stop();
//
// Each call starts its own process on a free port, so parallel test workers
// never share state.
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The names the binary is looked up by on PATH, in order. */
export const BINARY_NAMES = ['heimdall-mock'];

/** Thrown when the binary cannot be found; its message says what to do. */
export class MockNotFoundError extends Error {
  constructor(message) {
    super(message);
    this.name = 'MockNotFoundError';
  }
}

/** A control-plane call that did not answer as expected. */
export class MockControlError extends Error {
  constructor(method, path, status, body) {
    super(`heimdall-mock: ${method} ${path} answered ${status}: ${typeof body === 'string' ? body : JSON.stringify(body)}`);
    this.name = 'MockControlError';
    this.status = status;
    this.body = body;
  }
}

const INSTALL_HINT = [
  'Either:',
  '  - set HEIMDALL_MOCK_BIN to the path of the heimdall-mock binary, or',
  '  - install it on PATH: go install github.com/heimdall-mock/heimdall-mock/cmd/heimdall-mock@latest',
  '    (it lands in $(go env GOPATH)/bin; add that folder to PATH), or',
  '  - run the container image and point your tests at it instead of starting a process.',
].join('\n');

function isExecutableFile(path) {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds the mock binary: HEIMDALL_MOCK_BIN (or the bin option) first, then
 * PATH. Throws MockNotFoundError naming what was tried and how to fix it.
 */
export function findBinary({ bin, env = process.env } = {}) {
  const explicit = bin ?? env.HEIMDALL_MOCK_BIN;
  if (explicit) {
    if (isExecutableFile(explicit)) return explicit;
    const source = bin ? 'the bin option' : 'HEIMDALL_MOCK_BIN';
    throw new MockNotFoundError(`heimdall-mock: ${source} is ${JSON.stringify(explicit)}, which is not an executable file.\n${INSTALL_HINT}`);
  }
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  const exts = process.platform === 'win32' ? ['.exe', ''] : [''];
  for (const dir of dirs) {
    for (const name of BINARY_NAMES) {
      for (const ext of exts) {
        const candidate = join(dir, name + ext);
        if (isExecutableFile(candidate)) return candidate;
      }
    }
  }
  throw new MockNotFoundError(`heimdall-mock: the binary is not on PATH and HEIMDALL_MOCK_BIN is not set.\n${INSTALL_HINT}`);
}

// The mock prints "... listening on http://HOST:PORT" as its first line.
const LISTENING = /listening on (http:\/\/\S+)/;

/**
 * Starts a mock on a free loopback port and resolves once it is ready.
 * @param {import('./index.js').StartOptions} [options]
 */
export async function startMock(options = {}) {
  const binary = findBinary(options);
  const args = ['--port', '0', '--host', '127.0.0.1'];
  if (!options.lenient) args.push('--strict');
  if (options.spec) args.push('--spec', options.spec);
  if (options.fixtures) args.push('--fixtures', options.fixtures);
  if (options.seed !== undefined) args.push('--seed', String(options.seed));
  if (options.noDomain) args.push('--no-domain');
  if (options.args) args.push(...options.args);

  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
  let log = '';
  const keep = (chunk) => {
    log += chunk;
    if (log.length > 64 << 10) log = log.slice(-(32 << 10));
  };
  child.stderr.setEncoding('utf8').on('data', keep);
  child.stdout.setEncoding('utf8');

  const timeoutMs = options.startTimeoutMs ?? 20000;
  let url;
  try {
    url = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`heimdall-mock did not start within ${timeoutMs} ms:\n${out}${log}`)), timeoutMs);
      const onData = (chunk) => {
        out += chunk;
        keep(chunk);
        const m = LISTENING.exec(out);
        if (m) {
          clearTimeout(timer);
          child.stdout.off('data', onData);
          child.stdout.on('data', keep);
          resolve(m[1]);
        }
      };
      child.stdout.on('data', onData);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`heimdall-mock: cannot run ${binary}: ${err.message}`));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`heimdall-mock exited (${signal ?? code}) before serving:\n${out}${log}`));
      });
    });
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  // The process is not waited on by the event loop: a forgotten stop() must
  // not keep the test runner alive. It is killed when this process exits.
  child.unref();
  child.stdout.unref?.();
  child.stderr.unref?.();
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const mock = new Mock(url, child, killOnExit, () => log);
  await mock.waitReady(timeoutMs);
  if (!options.noDomain) {
    const health = await mock.control('GET', '/__mock/health');
    mock.bootstrap = health.bootstrap ?? null;
  }
  return mock;
}

function durationString(d) {
  if (typeof d === 'number') {
    if (!Number.isFinite(d)) throw new TypeError(`duration: ${d} is not a finite number of milliseconds`);
    return `${Math.trunc(d)}ms`;
  }
  if (typeof d === 'string' && d !== '') return d;
  throw new TypeError(`duration: want milliseconds or a Go duration such as "15m", got ${JSON.stringify(d)}`);
}

function query(filter, names) {
  const q = new URLSearchParams();
  for (const [key, name] of names) {
    const v = filter?.[key];
    if (v !== undefined && v !== null && v !== '') q.set(name, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** A running mock. */
export class Mock {
  constructor(url, child, killOnExit, log) {
    this.url = url;
    this.bootstrap = null;
    this.pid = child.pid;
    this._child = child;
    this._killOnExit = killOnExit;
    this._log = log;
    this._exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
  }

  /** The mock's output so far (start-up banner, request log, errors). */
  get log() {
    return this._log();
  }

  async waitReady(timeoutMs = 20000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const res = await fetch(this.url + '/__mock/ready');
        if (res.ok) return;
      } catch {}
      if (Date.now() > deadline) throw new Error(`heimdall-mock at ${this.url} was not ready within ${timeoutMs} ms:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Sends a JSON request to the control plane and returns the decoded answer. */
  async control(method, path, body, expect) {
    const res = await fetch(this.url + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let data = text;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {}
    if (expect ? res.status !== expect : !res.ok) throw new MockControlError(method, path, res.status, data);
    return data;
  }

  /** Back to the start: fixtures or bootstrap, clock, faults, outbox, journal. */
  async reset() {
    await this.control('POST', '/__mock/reset', undefined, 204);
  }

  /** Moves the mock clock forward (milliseconds or a Go duration such as "2h"); returns the new time. */
  async advance(duration) {
    return new Date((await this.control('POST', '/__mock/clock', { advance: durationString(duration) })).now);
  }

  /** Puts the mock clock at a time (Date or RFC 3339 string). */
  async setTime(time) {
    const set = time instanceof Date ? time.toISOString() : String(time);
    return new Date((await this.control('POST', '/__mock/clock', { set })).now);
  }

  /** Stops the mock clock (or starts it again with false). */
  async freeze(on = true) {
    return new Date((await this.control('POST', '/__mock/clock', { freeze: on })).now);
  }

  /** The mock clock's time. */
  async now() {
    return new Date((await this.control('GET', '/__mock/clock')).now);
  }

  /** What Heimdall would have mailed or texted, newest first. */
  async outbox(filter = {}) {
    return this.control('GET', '/__mock/outbox' + query(filter, [['to', 'to'], ['kind', 'kind']]));
  }

  /** An access token with chosen claims (POST /__mock/tokens); a negative ttl gives an expired one. */
  async mintToken(claims = {}) {
    const body = { app_slug: this.bootstrap?.app_slug, ...claims };
    return (await this.control('POST', '/__mock/tokens', body)).access_token;
  }

  /** Injects a fault and returns it with its id. */
  async addFault(fault) {
    return this.control('POST', '/__mock/faults', fault, 201);
  }

  /** Removes one fault by id, or every fault without one. */
  async clearFaults(id) {
    await this.control('DELETE', id ? `/__mock/faults/${encodeURIComponent(id)}` : '/__mock/faults', undefined, 204);
  }

  /** The request journal, newest first. */
  async requests(filter = {}) {
    return this.control(
      'GET',
      '/__mock/requests' +
        query(filter, [
          ['method', 'method'],
          ['operationId', 'operation'],
          ['status', 'status'],
          ['appSlug', 'app'],
          ['limit', 'limit'],
        ]),
    );
  }

  /** Registers an end user on the bootstrap app and returns the tokens sign-up issues. */
  async signUp(email, password, extra = {}) {
    const username = extra.username ?? email.split('@')[0];
    return this._consumer('signup', { email, password, username, ...extra });
  }

  /** Signs an end user of the bootstrap app in (by username, or by a verified email). */
  async signIn(identifier, password) {
    return this._consumer('signin', { identifier, password });
  }

  async _consumer(action, body) {
    if (!this.bootstrap) throw new Error('heimdall-mock: this mock runs without the Heimdall domain');
    const path = `/${this.bootstrap.app_slug}/v1/auth/${action}`;
    const res = await fetch(this.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.bootstrap.api_key}` },
      body: JSON.stringify(body),
    });
    const data = await res.json().catch(() => undefined);
    if (res.status !== 200) throw new MockControlError('POST', path, res.status, data);
    return data;
  }

  /** Stops the process (SIGTERM, then SIGKILL after 5 s). Safe to call twice. */
  async stop() {
    process.off('exit', this._killOnExit);
    if (this._child.exitCode === null && this._child.signalCode === null) {
      this._child.kill('SIGTERM');
      const timer = setTimeout(() => this._child.kill('SIGKILL'), 5000);
      await this._exited;
      clearTimeout(timer);
    }
  }

  async [Symbol.asyncDispose]() {
    await this.stop();
  }
}
