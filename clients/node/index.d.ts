// Types of @heimdall-mock/node. The implementation is index.js.

/** The fixed values a fresh mock starts with (GET /__mock/health → bootstrap). */
export interface Bootstrap {
  workspace_id: string;
  api_key: string;
  app_id: string;
  app_slug: string;
  base_url: string;
  issuer: string;
  apple_client_id: string;
  google_client_id: string;
}

export interface StartOptions {
  /** Path of the binary; default HEIMDALL_MOCK_BIN, then heimdall-mock on PATH. */
  bin?: string;
  /** A spec file or URL, or "live"; default the embedded spec. */
  spec?: string;
  /** A fixture file (YAML or JSON) loaded at start and restored by reset(). */
  fixtures?: string;
  /** Seed of generated data. */
  seed?: number;
  /** Log response violations instead of answering 500 (default: strict). */
  lenient?: boolean;
  /** Serve the spec without the Heimdall domain (another API). */
  noDomain?: boolean;
  /** Further command-line flags. */
  args?: string[];
  /** Environment of the process; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** How long to wait for the mock to serve (default 20000). */
  startTimeoutMs?: number;
}

/** A duration: milliseconds, or a Go duration string such as "15m", "-1h", "90s". */
export type Duration = number | string;

export type MessageKind = 'password_reset' | 'verification' | 'invite' | 'otp' | (string & {});

/** What Heimdall would have mailed or texted. */
export interface Message {
  id: string;
  kind: MessageKind;
  to: string;
  token?: string;
  code?: string;
  link?: string;
  created_at: string;
}

export interface OutboxFilter {
  to?: string;
  kind?: MessageKind;
}

/** An error injected into the API (POST /__mock/faults). */
export interface Fault {
  operation_id?: string;
  method?: string;
  path?: string;
  status?: number;
  body?: unknown;
  delay_ms?: number;
  times?: number;
  drop_connection?: boolean;
}

export interface AddedFault extends Fault {
  id: string;
  hits: number;
}

export interface RequestFilter {
  method?: string;
  operationId?: string;
  status?: number;
  appSlug?: string;
  limit?: number;
}

/** One entry of the request journal. */
export interface JournalEntry {
  id: string;
  at: string;
  method: string;
  path: string;
  query: string;
  operation_id: string;
  status: number;
  duration_ms: number;
  request_errors: string[];
  response_errors: string[];
  app_slug?: string;
  /** What was translated between the mock's domain and an older spec's dialect. */
  adaptations?: string[];
  /** Set when the answer came from an injected fault or a Prefer header. */
  answered_by?: 'fault' | 'prefer';
  /** The id addFault returned, when a fault answered. */
  fault_id?: string;
  request_headers: Record<string, string>;
  request_body?: unknown;
  response_body?: unknown;
}

/** Claims of a minted token (POST /__mock/tokens). */
export interface MintRequest {
  app_slug?: string;
  sub?: string;
  type?: 'end_user' | 'm2m' | 'platform';
  role?: string;
  amr?: string[];
  /** Go duration; negative for an expired token. */
  ttl?: string;
  legacy_issuer?: boolean;
  session?: boolean;
  claims?: Record<string, unknown>;
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
  [field: string]: unknown;
}

export interface SignUpExtra {
  username?: string;
  [field: string]: unknown;
}

export declare const BINARY_NAMES: readonly string[];

export declare class MockNotFoundError extends Error {}

export declare class MockControlError extends Error {
  status: number;
  body: unknown;
}

/** A running mock. */
export declare class Mock {
  /** Base URL, e.g. http://127.0.0.1:53211. */
  readonly url: string;
  /** Null when the mock runs without the Heimdall domain. */
  bootstrap: Bootstrap | null;
  readonly pid: number;
  /** The mock's output so far. */
  readonly log: string;
  waitReady(timeoutMs?: number): Promise<void>;
  control<T = unknown>(method: string, path: string, body?: unknown, expectStatus?: number): Promise<T>;
  reset(): Promise<void>;
  advance(duration: Duration): Promise<Date>;
  setTime(time: Date | string): Promise<Date>;
  freeze(on?: boolean): Promise<Date>;
  now(): Promise<Date>;
  outbox(filter?: OutboxFilter): Promise<Message[]>;
  mintToken(claims?: MintRequest): Promise<string>;
  addFault(fault: Fault): Promise<AddedFault>;
  clearFaults(id?: string): Promise<void>;
  requests(filter?: RequestFilter): Promise<JournalEntry[]>;
  signUp(email: string, password: string, extra?: SignUpExtra): Promise<Tokens>;
  signIn(identifier: string, password: string): Promise<Tokens>;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Finds the binary: the bin option or HEIMDALL_MOCK_BIN, then PATH. */
export declare function findBinary(options?: { bin?: string; env?: NodeJS.ProcessEnv }): string;

/** Starts a mock on a free loopback port; resolves once it serves. */
export declare function startMock(options?: StartOptions): Promise<Mock>;
