/**
 * A local stand-in for the Snowflake REST endpoints that snowflake-sdk 3.x uses, so the real driver can be tested
 * without an account (protocol notes: reference/snowflake.md section 11, test-infra.md section 3).
 *
 * Every answer is HTTP 200 `application/json` with the `{ success, code, message, data }` envelope: the driver
 * retries 5xx/408/429 for about a minute, and it only parses bodies whose content type is JSON.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** Snowflake result column types the driver knows how to convert (cells are always sent as strings). */
export type FakeColumnType =
  | 'text'
  | 'fixed'
  | 'real'
  | 'boolean'
  | 'date'
  | 'timestamp_ntz'
  /** SHOW's created_on: cells are `<epoch seconds>.<fraction>`; the response then carries TIMEZONE (reference §8) */
  | 'timestamp_ltz'
  | 'variant';

export interface FakeColumn {
  name: string;
  type?: FakeColumnType;
  scale?: number;
}

export interface FakeError {
  code: string;
  sqlState: string;
  message: string;
}

export type FakeReply =
  | { rows?: Record<string, string | null>[]; columns?: FakeColumn[]; statementTypeId?: number }
  | { error: FakeError };

export interface FakeRule {
  match: RegExp | ((sql: string) => boolean);
  /** a function answers from state read when the statement arrives (e.g. a catalog a test edits) */
  reply: FakeReply | ((sql: string) => FakeReply);
  /** the reply is sent only once this settles (a test holds a statement in flight until something happened) */
  hold?: () => Promise<unknown>;
}

export interface FakeLoginFailure {
  code: string;
  message: string;
}

/** What Snowflake answers for a wrong password or an unknown user. */
export const LOGIN_FAILED: FakeLoginFailure = {
  code: '390100',
  message: 'Incorrect username or password was specified.',
};

export interface FakeSnowflakeOptions {
  /** first match wins; unmatched statements get a DDL success */
  rules?: FakeRule[];
  /** when set, every login request fails with this code and message */
  loginFailure?: FakeLoginFailure;
  /** added to every statement before it is answered, like a real account's few hundred ms of DDL (benchmarks) */
  statementDelayMs?: number;
}

export interface RecordedRequest {
  method: string;
  /** path plus query string, e.g. `/session/v1/login-request?warehouse=WH&...` */
  url: string;
  authorization: string | undefined;
}

export interface FakeSnowflake {
  /** pass as `accessUrl`; the driver still needs an explicit `account` */
  accessUrl: string;
  /** every `sqlText` received, in order */
  statements: string[];
  /** parsed JSON bodies of login requests (`{ data: { LOGIN_NAME, PASSWORD | TOKEN, ... } }`) */
  loginBodies: unknown[];
  /** parsed JSON bodies of query requests (to check e.g. that no MULTI_STATEMENT_COUNT is sent) */
  queryBodies: unknown[];
  requests: RecordedRequest[];
  /** the live rule list: tests may push more rules after start */
  rules: FakeRule[];
  /** statements received and not yet answered: now, and the most at any moment */
  inFlight: { now: number; max: number };
  close(): Promise<void>;
}

const SESSION_TOKEN = 'fake-session-token';

type Envelope = { success: boolean; code: string | null; message: string | null; data: unknown };

export async function startFakeSnowflake(options: FakeSnowflakeOptions = {}): Promise<FakeSnowflake> {
  const state: FakeState = {
    rules: [...(options.rules ?? [])],
    loginFailure: options.loginFailure,
    statements: [],
    loginBodies: [],
    queryBodies: [],
    requests: [],
    results: new Map(),
    statementDelayMs: options.statementDelayMs ?? 0,
    inFlight: { now: 0, max: 0 },
  };
  const server = createServer((req, res) => {
    handle(state, req)
      .then((envelope) => send(res, envelope))
      .catch((error: unknown) => send(res, failure('999999', `fake snowflake: ${String(error)}`)));
  });
  await listen(server);
  const { port } = server.address() as AddressInfo;
  return {
    accessUrl: `http://127.0.0.1:${port}`,
    statements: state.statements,
    loginBodies: state.loginBodies,
    queryBodies: state.queryBodies,
    requests: state.requests,
    rules: state.rules,
    inFlight: state.inFlight,
    close: () => shutdown(server),
  };
}

interface FakeState {
  rules: FakeRule[];
  loginFailure: FakeLoginFailure | undefined;
  statements: string[];
  loginBodies: unknown[];
  queryBodies: unknown[];
  requests: RecordedRequest[];
  /** query id → result data, for `GET /queries/<id>/result` */
  results: Map<string, unknown>;
  statementDelayMs: number;
  inFlight: { now: number; max: number };
}

async function handle(state: FakeState, req: IncomingMessage): Promise<Envelope> {
  const url = new URL(req.url ?? '/', 'http://fake');
  const method = req.method ?? 'GET';
  state.requests.push({
    method,
    url: `${url.pathname}${url.search}`,
    authorization: req.headers.authorization,
  });
  const body = await readJsonBody(req);

  if (url.pathname === '/session/v1/login-request') return login(state, body);
  if (url.pathname === '/queries/v1/query-request') return query(state, body);
  const result = /^\/queries\/([^/]+)\/result$/.exec(url.pathname);
  if (result) return storedResult(state, result[1] ?? '');
  if (url.pathname === '/session' && url.searchParams.get('delete') === 'true') return success(null);
  // Telemetry (sent right after login), heartbeats and aborts only need an acknowledgement.
  if (
    /^\/(telemetry\/send|session\/heartbeat|queries\/v1\/abort-request|queries\/[^/]+\/abort-request)$/.test(
      url.pathname,
    )
  ) {
    return success(null);
  }
  return failure('999999', `fake snowflake: no handler for ${method} ${url.pathname}`);
}

function login(state: FakeState, body: unknown): Envelope {
  state.loginBodies.push(body);
  if (state.loginFailure) return failure(state.loginFailure.code, state.loginFailure.message, null);
  return success({
    token: SESSION_TOKEN,
    masterToken: 'fake-master-token',
    validityInSeconds: 3600,
    masterValidityInSeconds: 14400,
    sessionId: 1,
    parameters: [],
    sessionInfo: { databaseName: null, schemaName: null, warehouseName: null, roleName: 'PUBLIC' },
  });
}

async function query(state: FakeState, body: unknown): Promise<Envelope> {
  state.queryBodies.push(body);
  const sql = sqlTextOf(body);
  state.statements.push(sql);
  state.inFlight.now++;
  state.inFlight.max = Math.max(state.inFlight.max, state.inFlight.now);
  try {
    const rule = findRule(state.rules, sql);
    if (state.statementDelayMs > 0)
      await new Promise((resolve) => setTimeout(resolve, state.statementDelayMs));
    await rule?.hold?.();
    return answer(state, rule === undefined ? undefined : replyOf(rule, sql));
  } finally {
    state.inFlight.now--;
  }
}

function answer(state: FakeState, reply: FakeReply | undefined): Envelope {
  const queryId = randomUUID();
  if (reply && 'error' in reply) {
    const { code, sqlState, message } = reply.error;
    // The driver takes sqlState only from data.sqlState and the code from the top-level `code`.
    return failure(code, message, { errorCode: code, sqlState, queryId, age: 0 });
  }
  const data = resultData(queryId, reply);
  state.results.set(queryId, data);
  return success(data);
}

function storedResult(state: FakeState, queryId: string): Envelope {
  const data = state.results.get(queryId);
  if (data === undefined) {
    return failure('000709', `Statement ${queryId} not found`, {
      queryId,
      sqlState: '02000',
      errorCode: '000709',
    });
  }
  return success(data);
}

function findRule(rules: readonly FakeRule[], sql: string): FakeRule | undefined {
  for (const rule of rules) {
    if (rule.match instanceof RegExp) {
      rule.match.lastIndex = 0; // a /g or /y regex keeps state between test() calls
      if (rule.match.test(sql)) return rule;
    } else if (rule.match(sql)) {
      return rule;
    }
  }
  return undefined;
}

function replyOf(rule: FakeRule, sql: string): FakeReply {
  return typeof rule.reply === 'function' ? rule.reply(sql) : rule.reply;
}

type RowsReply = Exclude<FakeReply, { error: FakeError }>;

/**
 * The driver converts LTZ cells with the response's own parameters only, and its timestamp text dereferences the
 * time zone, so a response with an LTZ column names both (reference/snowflake-catalog.md §8).
 */
function sessionParameters(columns: readonly FakeColumn[]): { name: string; value: string }[] {
  if (!columns.some((c) => c.type === 'timestamp_ltz')) return [];
  return [
    { name: 'TIMEZONE', value: 'UTC' },
    { name: 'TIMESTAMP_OUTPUT_FORMAT', value: 'YYYY-MM-DD HH24:MI:SS.FF3 TZHTZM' },
    { name: 'TIMESTAMP_LTZ_OUTPUT_FORMAT', value: '' },
  ];
}

/** The `data` of a successful query; `returned` and string `rowset` cells are required by the driver. */
function resultData(queryId: string, reply: RowsReply | undefined): unknown {
  if (reply?.rows === undefined && reply?.columns === undefined) {
    return {
      queryId,
      rowtype: [rowType({ name: 'status', type: 'text' })],
      rowset: [['Statement executed successfully.']],
      total: 1,
      returned: 1,
      statementTypeId: reply?.statementTypeId ?? 0x6000,
      queryResultFormat: 'json',
      parameters: [],
    };
  }
  const rows = reply.rows ?? [];
  const columns = reply.columns ?? columnsOf(rows);
  return {
    queryId,
    rowtype: columns.map(rowType),
    rowset: rows.map((row) => columns.map((column) => row[column.name] ?? null)),
    total: rows.length,
    returned: rows.length,
    statementTypeId: reply.statementTypeId ?? 0x1000,
    queryResultFormat: 'json',
    parameters: sessionParameters(columns),
  };
}

/** Text columns named after the rows' keys, in order of first appearance. */
function columnsOf(rows: readonly Record<string, string | null>[]): FakeColumn[] {
  const names = new Set<string>();
  for (const row of rows) for (const name of Object.keys(row)) names.add(name);
  return [...names].map((name) => ({ name, type: 'text' }));
}

function rowType(column: FakeColumn): Record<string, unknown> {
  const type = column.type ?? 'text';
  const numeric = type === 'fixed' || type === 'real';
  return {
    name: column.name,
    type,
    nullable: true,
    scale: column.scale ?? (numeric ? 0 : null),
    precision: numeric ? 38 : null,
    length: type === 'text' ? 16777216 : null,
    byteLength: type === 'text' ? 16777216 : null,
    database: '',
    schema: '',
    table: '',
  };
}

function sqlTextOf(body: unknown): string {
  if (typeof body === 'object' && body !== null && 'sqlText' in body && typeof body.sqlText === 'string') {
    return body.sqlText;
  }
  return '';
}

/** The driver may or may not gzip a body (it compresses asynchronously), so sniff the gzip magic bytes. */
async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  if (raw.length === 0) return undefined;
  const text = raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
  return JSON.parse(text) as unknown;
}

function success(data: unknown): Envelope {
  return { success: true, code: null, message: null, data };
}

function failure(code: string, message: string, data: unknown = null): Envelope {
  return { success: false, code, message, data };
}

function send(res: ServerResponse, envelope: Envelope): void {
  const body = JSON.stringify(envelope);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
}

/** Closes idle keep-alive sockets too, or `close()` would wait for the driver's agent to let go. */
function shutdown(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
