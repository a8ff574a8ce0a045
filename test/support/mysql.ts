/**
 * Real MySQL/MariaDB for tests. Every test file gets its own throwaway database on a shared server, so
 * suites can run in parallel and never see each other's tables. The server itself is not started here: it
 * is the one TEST_MYSQL_* point at, or 127.0.0.1:3306, or the private MariaDB test/global-setup.ts starts
 * when nothing answers there (it then sets TEST_MYSQL_HOST/PORT for the workers).
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import mysql, { type Connection, type Pool, type PoolOptions } from 'mysql2/promise';

export interface MysqlTarget {
  host: string;
  port: number;
  user: string;
  password: string;
}

export interface TestDatabase {
  target: MysqlTarget;
  database: string;
  /** setup/inspection pool: `multipleStatements` is on, so never hand it to the code under test */
  pool: Pool;
  query(sql: string, params?: unknown[]): Promise<unknown>;
  /** runs a whole fixture file (several statements) on one connection */
  runSqlFile(path: string): Promise<void>;
  /** drops the database and ends the pool */
  drop(): Promise<void>;
}

export interface CreateTestDatabaseOptions {
  /** defaults to `mysqlTargetFromEnv()` */
  target?: MysqlTarget;
}

/** MySQL's identifier limit; database names longer than this are rejected by the server */
const MAX_DATABASE_NAME_LENGTH = 64;
/** fail fast instead of mysql2's 10 s default when nothing listens */
const CONNECT_TIMEOUT_MS = 5_000;
/** network-level failures: the server is not there, as opposed to refusing us */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'ECONNRESET',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
]);
const ACCESS_DENIED_CODES = new Set([
  'ER_ACCESS_DENIED_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_NOT_SUPPORTED_AUTH_MODE',
]);

export function mysqlTargetFromEnv(env: NodeJS.ProcessEnv = process.env): MysqlTarget {
  const port = Number(env.TEST_MYSQL_PORT || '3306');
  if (!Number.isInteger(port) || port <= 0 || port > 65_535) {
    throw new Error(`TEST_MYSQL_PORT must be a TCP port number, got ${JSON.stringify(env.TEST_MYSQL_PORT)}`);
  }
  return {
    host: env.TEST_MYSQL_HOST || '127.0.0.1',
    port,
    user: env.TEST_MYSQL_USER || 'root',
    password: env.TEST_MYSQL_PASSWORD ?? '',
  };
}

/**
 * `snowstage_test_<label>_<pid>_<random>`: the pid and random suffix keep parallel workers and
 * re-runs apart; the label only helps a human find a leftover database, so it is what gets shortened.
 */
export function testDatabaseName(label: string): string {
  const suffix = `_${process.pid}_${randomBytes(4).toString('hex')}`;
  const prefix = 'snowstage_test_';
  const cleanLabel =
    label
      .toLowerCase()
      .replace(/[^a-z0-9_]+/g, '_')
      .replace(/^_+|_+$/g, '') || 'db';
  const room = MAX_DATABASE_NAME_LENGTH - prefix.length - suffix.length;
  return `${prefix}${cleanLabel.slice(0, room)}${suffix}`;
}

export async function createTestDatabase(
  label: string,
  options: CreateTestDatabaseOptions = {},
): Promise<TestDatabase> {
  const target = options.target ?? mysqlTargetFromEnv();
  const database = testDatabaseName(label);
  await createDatabase(target, database);
  const pool = mysql.createPool(poolOptions(target, database));
  // Sessions in UTC so TIMESTAMP columns read back the same on any machine.
  pool.pool.on('connection', (connection) => {
    connection.query("SET time_zone = '+00:00'", () => undefined);
  });
  return {
    target,
    database,
    pool,
    async query(sql, params) {
      const [result] = await pool.query(sql, params);
      return result;
    },
    async runSqlFile(path) {
      await pool.query(await readFile(path, 'utf8'));
    },
    async drop() {
      try {
        await pool.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(database)}`);
      } finally {
        await pool.end();
      }
    },
  };
}

function poolOptions(target: MysqlTarget, database: string): PoolOptions {
  return {
    ...connectionOptions(target),
    database,
    multipleStatements: true,
    // exact values for inspection: DECIMAL is already a string; big BIGINTs become strings instead of
    // losing digits, and DATETIME(6)/TIMESTAMP(6) keep their microseconds as strings.
    supportBigNumbers: true,
    dateStrings: true,
    connectionLimit: 4,
  };
}

function connectionOptions(target: MysqlTarget): PoolOptions {
  return {
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    charset: 'UTF8MB4_BIN',
    connectTimeout: CONNECT_TIMEOUT_MS,
  };
}

async function createDatabase(target: MysqlTarget, database: string): Promise<void> {
  let connection: Connection;
  try {
    connection = await mysql.createConnection(connectionOptions(target));
  } catch (error) {
    throw explainConnectFailure(target, error);
  }
  try {
    await connection.query(
      `CREATE DATABASE ${quoteIdentifier(database)} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
    );
  } finally {
    await connection.end();
  }
}

function quoteIdentifier(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

/** Test-setup failure whose message is the whole story: the stack would only show mysql2 internals. */
export class MysqlUnavailableError extends Error {
  override readonly name = 'MysqlUnavailableError';
  constructor(message: string) {
    super(message);
    this.stack = `${this.name}: ${message}`;
  }
}

function explainConnectFailure(target: MysqlTarget, error: unknown): Error {
  const code = errorCode(error);
  const detail = error instanceof Error ? error.message : String(error);
  if (code !== undefined && ACCESS_DENIED_CODES.has(code)) {
    return new MysqlUnavailableError(accessDeniedHint(target, detail));
  }
  if (code === undefined || UNREACHABLE_CODES.has(code) || detail === '') {
    return new MysqlUnavailableError(unreachableHint(target, detail || code || 'no error detail'));
  }
  return error instanceof Error ? error : new Error(detail);
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

function unreachableHint(target: MysqlTarget, detail: string): string {
  return [
    `Cannot reach MySQL/MariaDB at ${target.host}:${target.port} (${detail}).`,
    'The MySQL-backed tests need a MariaDB or MySQL server. Unless TEST_MYSQL_HOST/PORT are set, `npm test`',
    'starts a private MariaDB itself when nothing answers at 127.0.0.1:3306; it needs the server package:',
    '  apt-get install -y mariadb-server',
    'To use another server, set TEST_MYSQL_HOST, TEST_MYSQL_PORT, TEST_MYSQL_USER and TEST_MYSQL_PASSWORD',
    '(defaults: 127.0.0.1, 3306, root, empty password).',
  ].join('\n');
}

function accessDeniedHint(target: MysqlTarget, detail: string): string {
  return [
    `MySQL/MariaDB at ${target.host}:${target.port} refused user '${target.user}' (${detail}).`,
    'The tests need a user that may CREATE and DROP databases: set TEST_MYSQL_USER and TEST_MYSQL_PASSWORD',
    '(defaults: root, empty password). TEST_MYSQL_HOST and TEST_MYSQL_PORT choose the server.',
  ].join('\n');
}
