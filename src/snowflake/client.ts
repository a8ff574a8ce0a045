/**
 * The only module that talks to snowflake-sdk. Everything else sees `SqlClient`, so apply/plan code can be tested
 * with an in-memory client and the driver's quirks stay here (reference/snowflake.md section 11).
 */
import type {
  Connection,
  ConnectionOptions,
  SnowflakeError as DriverError,
  RowStatement,
} from 'snowflake-sdk';

export interface QueryResult {
  queryId: string;
  rows: Record<string, unknown>[];
  durationMs: number;
}

export interface SqlClient {
  /** runs exactly one statement */
  execute(sql: string): Promise<QueryResult>;
  close(): Promise<void>;
}

export type SnowflakeAuth =
  | { kind: 'password'; password: string }
  | { kind: 'keypair'; privateKeyPath: string; passphrase?: string }
  | { kind: 'keypair-pem'; privateKey: string; passphrase?: string };

export interface SnowflakeConnectionOptions {
  account: string;
  username: string;
  role?: string;
  warehouse?: string;
  database?: string;
  schema?: string;
  auth: SnowflakeAuth;
  /** endpoint override, e.g. a local fake (`http://127.0.0.1:PORT`) or a private-link URL */
  accessUrl?: string;
  /** reported to Snowflake as the client application (shows in QUERY_HISTORY) */
  application?: string;
  /**
   * Give up on login after this long (default DEFAULT_CONNECT_TIMEOUT_MS). The driver itself retries a refused
   * or silent endpoint for minutes before it reports anything.
   */
  connectTimeoutMs?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

/**
 * login: authenticating failed; statement: the server rejected a statement; network: transport failure;
 * timeout: no login answer within the connect timeout; local-key: the private key could not be read or decrypted
 * here, before anything was sent.
 */
export type SnowflakeErrorKind = 'login' | 'statement' | 'network' | 'timeout' | 'local-key';

export class SnowflakeError extends Error {
  override readonly name = 'SnowflakeError';
  readonly kind: SnowflakeErrorKind;
  /** server error code such as '002003' or '390100'; a driver error number (as text) for client-side errors */
  readonly code: string | undefined;
  readonly sqlState: string | undefined;
  readonly queryId: string | undefined;
  /** the driver's error class, e.g. OperationFailedError or NetworkError */
  readonly driverErrorName: string | undefined;

  constructor(
    message: string,
    details: {
      kind: SnowflakeErrorKind;
      code?: string | undefined;
      sqlState?: string | undefined;
      queryId?: string | undefined;
      driverErrorName?: string | undefined;
    },
  ) {
    super(message);
    this.kind = details.kind;
    this.code = details.code;
    this.sqlState = details.sqlState;
    this.queryId = details.queryId;
    this.driverErrorName = details.driverErrorName;
  }
}

type SnowflakeSdk = typeof import('snowflake-sdk');

let sdkPromise: Promise<SnowflakeSdk> | undefined;

/**
 * Loads the driver on first use: it costs ~0.3 s and pulls in @aws-sdk, which prints a NodeVersionSupportWarning on
 * Node 20 unless told not to before it loads (a static import would run before any statement here).
 */
function loadSdk(): Promise<SnowflakeSdk> {
  sdkPromise ??= (async () => {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const sdk = (await import('snowflake-sdk')).default;
    // The default logger writes ./snowflake.log and echoes to the console; a no-op custom logger replaces both
    // (customLogger fully overrides the built-in one in 3.x), so nothing reaches stdout or the working directory.
    sdk.configure({ logLevel: 'OFF', customLogger: SILENT_LOGGER });
    return sdk;
  })();
  return sdkPromise;
}

const ignore = (): void => {};
const SILENT_LOGGER = { error: ignore, warn: ignore, info: ignore, debug: ignore, trace: ignore };

export async function connectSnowflake(options: SnowflakeConnectionOptions): Promise<SqlClient> {
  const sdk = await loadSdk();
  const secrets = secretsOf(options.auth);
  let connection: Connection;
  try {
    // createConnection validates options synchronously and throws (e.g. a malformed account or PEM key).
    connection = sdk.createConnection(driverOptions(options));
  } catch (error) {
    throw toSnowflakeError(error, 'login', secrets);
  }
  const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  try {
    await withTimeout(connect(connection, secrets), timeoutMs, () => connection.destroy(ignore));
  } catch (error) {
    throw error instanceof SnowflakeError ? localKeyError(error, options.auth) : error;
  }
  return new DriverClient(connection, secrets);
}

/** Rejects with a `timeout` SnowflakeError when `work` has not settled after `ms`; `onTimeout` cleans up. */
function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(
        new SnowflakeError(`no answer from Snowflake within ${formatSeconds(ms)}`, {
          kind: 'timeout',
          code: 'CONNECT_TIMEOUT',
        }),
      );
    }, ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/**
 * Node's crypto reports a key it cannot decrypt with OpenSSL codes (ERR_OSSL_BAD_DECRYPT for a wrong passphrase,
 * ERR_OSSL_CRYPTO_INTERRUPTED_OR_CANCELLED when an encrypted key gets none); that is a local problem, not a
 * Snowflake error, and nothing was sent.
 */
function localKeyError(error: SnowflakeError, auth: SnowflakeAuth): SnowflakeError {
  if (auth.kind === 'password' || !error.code?.startsWith('ERR_OSSL')) return error;
  const reason =
    error.code === 'ERR_OSSL_BAD_DECRYPT'
      ? 'the passphrase is wrong'
      : error.code === 'ERR_OSSL_CRYPTO_INTERRUPTED_OR_CANCELLED'
        ? auth.passphrase === undefined
          ? 'the key is encrypted and no passphrase was given'
          : 'the passphrase was refused'
        : `OpenSSL could not read it (${error.message})`;
  return new SnowflakeError(`the private key could not be decrypted: ${reason}`, {
    kind: 'local-key',
    code: error.code,
  });
}

/** Maps our options to the driver's; one statement per execute, so MULTI_STATEMENT_COUNT is never set. */
export function driverOptions(options: SnowflakeConnectionOptions): ConnectionOptions {
  const driver: ConnectionOptions = {
    account: options.account,
    username: options.username,
    application: options.application ?? 'snowstage',
    rowMode: 'object',
    clientSessionKeepAlive: false,
    ...authOptions(options.auth),
  };
  if (options.role !== undefined) driver.role = options.role;
  if (options.warehouse !== undefined) driver.warehouse = options.warehouse;
  if (options.database !== undefined) driver.database = options.database;
  if (options.schema !== undefined) driver.schema = options.schema;
  if (options.accessUrl !== undefined) driver.accessUrl = options.accessUrl;
  return driver;
}

function authOptions(auth: SnowflakeAuth): ConnectionOptions {
  switch (auth.kind) {
    case 'password':
      return { authenticator: 'SNOWFLAKE', password: auth.password };
    case 'keypair':
      return {
        authenticator: 'SNOWFLAKE_JWT',
        privateKeyPath: auth.privateKeyPath,
        ...passphrase(auth.passphrase),
      };
    case 'keypair-pem':
      return { authenticator: 'SNOWFLAKE_JWT', privateKey: auth.privateKey, ...passphrase(auth.passphrase) };
  }
}

function passphrase(value: string | undefined): ConnectionOptions {
  return value === undefined ? {} : { privateKeyPass: value };
}

/**
 * `connectAsync()` resolves even when login fails (the error only reaches its callback), so wrap the callback form.
 * A failed connection is destroyed so its keep-alive HTTP agents do not hold the process open.
 */
function connect(connection: Connection, secrets: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    connection.connect((error) => {
      if (!error) {
        resolve();
        return;
      }
      reject(toSnowflakeError(error, 'login', secrets));
      connection.destroy(ignore);
    });
  });
}

class DriverClient implements SqlClient {
  private closed: Promise<void> | undefined;

  constructor(
    private readonly connection: Connection,
    private readonly secrets: readonly string[],
  ) {}

  execute(sql: string): Promise<QueryResult> {
    // The driver sends blank text as is; refuse it here instead of spending a round trip on a caller bug.
    if (sql.trim() === '') {
      return Promise.reject(new SnowflakeError('empty statement', { kind: 'statement' }));
    }
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const complete = (error: DriverError | undefined, statement: RowStatement, rows?: unknown[]): void => {
        if (error) {
          reject(toSnowflakeError(error, 'statement', this.secrets, statement.getQueryId()));
          return;
        }
        const durationMs = Math.round(performance.now() - started);
        resolve({ queryId: statement.getQueryId(), rows: (rows ?? []).filter(isRecord), durationMs });
      };
      try {
        this.connection.execute({ sqlText: sql, complete });
      } catch (error) {
        // execute() validates its options synchronously and throws instead of calling `complete`.
        reject(toSnowflakeError(error, 'statement', this.secrets));
      }
    });
  }

  /**
   * Logs the session out once; later calls share the first result. A failed logout is swallowed: the server
   * expires the session anyway, and a rejecting close() in a `finally` would hide the error that matters.
   */
  close(): Promise<void> {
    this.closed ??= new Promise((resolve) => {
      this.connection.destroy(() => resolve());
    });
    return this.closed;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The strings that must never appear in an error message: the password, the PEM text and its passphrase. */
export function secretsOf(auth: SnowflakeAuth): string[] {
  switch (auth.kind) {
    case 'password':
      return [auth.password];
    case 'keypair':
      return auth.passphrase === undefined ? [] : [auth.passphrase];
    case 'keypair-pem':
      return [
        auth.privateKey,
        ...pemBodyLines(auth.privateKey),
        ...(auth.passphrase === undefined ? [] : [auth.passphrase]),
      ];
  }
}

/** A message could quote part of a key, so each base64 line of the PEM counts as a secret on its own. */
function pemBodyLines(pem: string): string[] {
  return pem
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length >= 16 && !line.startsWith('-----'));
}

const NETWORK_ERROR_NAMES = new Set(['NetworkError', 'RequestFailedError', 'UnexpectedContentError']);

/**
 * Copies only the safe fields of a driver error. The driver error itself is not kept as `cause`: its `response`
 * can hold the request (login body included), and a logged cause would print it.
 */
export function toSnowflakeError(
  error: unknown,
  phase: 'login' | 'statement',
  secrets: readonly string[],
  statementQueryId?: string,
): SnowflakeError {
  const driverErrorName = stringField(error, 'name');
  const code = stringField(error, 'code');
  const data = field(error, 'data');
  const queryId = stringField(data, 'queryId') ?? nonEmpty(statementQueryId);
  const message = redact(stringField(error, 'message') ?? 'Snowflake request failed', secrets);
  const kind = driverErrorName !== undefined && NETWORK_ERROR_NAMES.has(driverErrorName) ? 'network' : phase;
  return new SnowflakeError(message, {
    kind,
    code,
    sqlState: stringField(error, 'sqlState') ?? stringField(data, 'sqlState'),
    queryId,
    driverErrorName,
  });
}

function redact(message: string, secrets: readonly string[]): string {
  let result = message;
  for (const secret of secrets) {
    if (secret.length > 0) result = result.split(secret).join('***');
  }
  return result;
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** String fields as text; the driver's client-side error codes are numbers. */
function stringField(value: unknown, key: string): string | undefined {
  const raw = field(value, key);
  if (typeof raw === 'string') return nonEmpty(raw);
  if (typeof raw === 'number') return String(raw);
  return undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
