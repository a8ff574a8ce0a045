/**
 * The extractor's MySQL adapter: one session per table run at a time (a pool lends sessions to the tables of one
 * run, session-pool.ts), read through the text protocol with a lossless
 * type cast (no value ever passes through a JS float or Date), rows streamed with backpressure.
 * Works on MySQL 8 and MariaDB 10.x; their differences are handled where they show (JSON, information_schema).
 */
import mysql, { type Connection } from 'mysql2';
import type { SecretRef, SourceModel } from '../model/types.js';
import { lossless } from './encode.js';
import {
  boundHit,
  DEFAULT_SESSION_LIMITS,
  SESSION_CHECK,
  type SessionLimits,
  serverFlavour,
  sessionProblem,
  sessionSetup,
} from './session.js';

export interface MysqlConnectOptions {
  readonly source: SourceModel;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** lock wait and statement time bounds of the session (default DEFAULT_SESSION_LIMITS) */
  readonly limits?: SessionLimits;
}

export class SourceError extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
  ) {
    super(message);
  }
}

/** mysql2 error codes worth retrying: the server went away, a lock could not be taken, the network blinked. */
const TRANSIENT = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_QUERY_INTERRUPTED',
]);

export function isTransientMysqlError(error: unknown): boolean {
  if (error instanceof SourceError) return error.transient;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TRANSIENT.has(code);
}

/**
 * mysql2 reports a server-side kill as a fatal error without a code; treat every fatal error as worth a retry.
 * A bound of the session (lock wait, statement time) becomes a message that names it and how to change it.
 */
function explained(error: unknown, limits: SessionLimits): unknown {
  if (error instanceof SourceError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  const bound = boundHit((error as { errno?: unknown } | null)?.errno, limits);
  if (bound) return new SourceError(`MySQL: ${detail}: ${bound.message}`, bound.transient);
  const fatal = (error as { fatal?: unknown } | null)?.fatal === true;
  if (fatal || isTransientMysqlError(error)) return new SourceError(`MySQL: ${detail}`, true);
  return error;
}

export function resolveSecret(
  ref: SecretRef | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string {
  if (!ref) return '';
  const value = env[ref.env];
  if (value !== undefined) return value;
  if (ref.fallback !== undefined) return ref.fallback;
  throw new SourceError(`environment variable ${ref.env} (the MySQL password) is not set`, false);
}

export interface WallClock {
  /** the server's NOW(6) in its default time zone: how applications write DATETIME values */
  readonly localNow: string;
  /** UTC_TIMESTAMP(6): TIMESTAMP values are read in UTC */
  readonly utcNow: string;
}

const FORMAT = "'%Y-%m-%d %H:%i:%s.%f'";

/** Both clocks in one statement (NOW(6) in the session's zone at the time). */
const CLOCKS = `DATE_FORMAT(NOW(6), ${FORMAT}) AS localNow, DATE_FORMAT(UTC_TIMESTAMP(6), ${FORMAT}) AS utcNow`;

export class MysqlSource {
  readonly #onClose: (() => void)[] = [];
  #clock: WallClock;
  /** set by anything that may have left the session unusable for another table: it is then never reused */
  #broken = false;
  /** where close() hands the session when a pool lent it (session-pool.ts) */
  #giveBack: ((source: MysqlSource) => void) | undefined;

  private constructor(
    private readonly core: Connection,
    clock: WallClock,
    private readonly limits: SessionLimits,
    /** the session's time zone before sessionSetup made it UTC: the zone of `clock.localNow` */
    private readonly originalZone: string,
  ) {
    this.#clock = clock;
    core.on('error', () => {
      this.#broken = true;
    });
    core.on('end', () => {
      this.#broken = true;
    });
  }

  /** the server's clocks, read when the session was opened or last readied for a table (refresh) */
  get clock(): WallClock {
    return this.#clock;
  }

  /** Whether the session can serve another table: no error, failed stream or close so far. */
  get reusable(): boolean {
    return !this.#broken;
  }

  static async connect(options: MysqlConnectOptions): Promise<MysqlSource> {
    const { source } = options;
    const limits = options.limits ?? DEFAULT_SESSION_LIMITS;
    const core = mysql.createConnection({
      host: source.host,
      port: source.port,
      user: source.user,
      password: resolveSecret(source.password, options.env),
      database: source.database,
      // utf8mb4 or 4-byte characters (emoji) are lost on the wire
      charset: 'UTF8MB4_BIN',
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      connectTimeout: 10_000,
    });
    // Errors after a query settled (e.g. the server closing an idle connection) must not crash the process.
    core.on('error', () => {});
    const connection = core.promise();
    try {
      await connection.connect();
      // Read both clocks before switching the session zone: DATETIME cursors follow the server's own zone.
      const [rows] = await connection.query({
        sql: `SELECT ${CLOCKS}, CAST(VERSION() AS CHAR) AS version, CAST(@@SESSION.time_zone AS CHAR) AS zone`,
      });
      const first = (rows as (WallClock & { version: string; zone: string })[])[0];
      if (!first) throw new SourceError('could not read the server clock', true);
      const clock: WallClock = { localNow: first.localNow, utcNow: first.utcNow };
      // UTC session zone, sql_mode without NO_BACKSLASH_ESCAPES, lock wait and statement bounds (session.ts)
      await connection.query(sessionSetup(serverFlavour(first.version), limits));
      const [checked] = await connection.query(SESSION_CHECK);
      const problem = sessionProblem((checked as { sqlMode: string | null }[])[0]?.sqlMode);
      if (problem) throw new SourceError(problem, false);
      return new MysqlSource(core, clock, limits, first.zone);
    } catch (error) {
      core.destroy();
      throw explained(error, limits);
    }
  }

  /**
   * Readies a session that served a table for the next one: reads both clocks anew and checks again that the session
   * is still in UTC and that sql_mode has no NO_BACKSLASH_ESCAPES. The local clock is the UTC instant converted to
   * the session's original zone (what NOW(6) gave there, as connect reads it); when the server cannot convert to that
   * zone (CONVERT_TZ gives NULL, e.g. a named zone without time zone tables) the session is switched to the zone for
   * the read and back to UTC. The rest of the set-up (sql_mode, bounds) is session state nothing else changes: the
   * extractor only runs SELECTs and SHOW-like reads, and a table's cursor time zone is applied in JS
   * (cursor-time.ts), never to the session. Any failure marks the session broken (the pool then ends it).
   */
  async refresh(): Promise<void> {
    try {
      const [first] = await this.#run<WallClock & { sqlMode: string | null; zone: string | null }>(
        `SELECT DATE_FORMAT(CONVERT_TZ(UTC_TIMESTAMP(6), '+00:00', ?), ${FORMAT}) AS localNow, DATE_FORMAT(UTC_TIMESTAMP(6), ${FORMAT}) AS utcNow, CAST(@@SESSION.sql_mode AS CHAR) AS sqlMode, CAST(@@SESSION.time_zone AS CHAR) AS zone`,
        [this.originalZone],
      );
      if (!first) throw new SourceError('could not read the server clock', true);
      const problem = sessionProblem(first.sqlMode);
      if (problem) throw new SourceError(problem, false);
      if (first.zone !== '+00:00') {
        throw new SourceError(`the session's time zone is ${first.zone}, expected +00:00; not reused`, true);
      }
      const clock = first.localNow === null ? await this.#clockInOriginalZone() : first;
      this.#clock = { localNow: clock.localNow, utcNow: clock.utcNow };
    } catch (error) {
      this.#broken = true;
      throw explained(error, this.limits);
    }
  }

  /** Both clocks read with the session switched to its original zone for the read, then back to UTC. */
  async #clockInOriginalZone(): Promise<WallClock> {
    await this.#run('SET SESSION time_zone = ?', [this.originalZone]);
    const [clock] = await this.#run<WallClock>(`SELECT ${CLOCKS}`);
    await this.#run("SET SESSION time_zone = '+00:00'");
    if (!clock) throw new SourceError('could not read the server clock', true);
    return clock;
  }

  /**
   * One statement through mysql2's callback API: its promise wrapper makes a new wrapper object and captures a
   * stack trace for every query (about 0.1 CPU-s of a 500-table run with nothing new).
   */
  #run<T>(sql: string, values: readonly unknown[] = []): Promise<T[]> {
    return new Promise((resolve, reject) => {
      this.core.query({ sql, values: [...values] }, (error, rows) => {
        if (error) reject(error);
        else resolve(rows as T[]);
      });
    });
  }

  /** Lent by a pool: close() then hands the session back instead of ending it (see session-pool.ts). */
  lend(giveBack: (source: MysqlSource) => void): void {
    this.#giveBack = giveBack;
  }

  /** the server's id for this session (KILL CONNECTION <id>, PROCESSLIST) */
  get connectionId(): number | null {
    return this.core.threadId;
  }

  async query<T>(sql: string, values: readonly unknown[] = []): Promise<T[]> {
    try {
      return await this.#run<T>(sql, values);
    } catch (error) {
      this.#broken = true;
      throw explained(error, this.limits);
    }
  }

  /**
   * Streams rows as arrays in SELECT order. `onRow` returns a promise only when the consumer needs the source
   * to wait (gzip or upload backpressure); the connection is paused until it settles. `raw`: every value as
   * the Buffer MySQL sent (null for NULL), without the lossless type cast.
   */
  streamRows(
    sql: string,
    values: readonly unknown[],
    onRow: (row: unknown[]) => Promise<void> | undefined,
    options: { readonly raw?: boolean } = {},
  ): Promise<number> {
    const core = this.core;
    const limits = this.limits;
    const broken = () => {
      this.#broken = true;
    };
    return new Promise((resolve, reject) => {
      let count = 0;
      let settled = false;
      const cleanup = () => {
        core.off('error', onConnectionError);
        core.off('end', onConnectionEnd);
      };
      const fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        broken();
        cleanup();
        // The query cannot be cancelled mid-stream; dropping the connection is the only clean stop.
        core.destroy();
        reject(error);
      };
      // A session killed on the server (failover, KILL) while the stream is paused for backpressure never
      // ends the query itself: watch the connection too.
      const onConnectionError = (error: unknown) => fail(explained(error, limits));
      const onConnectionEnd = () => fail(new SourceError('the MySQL connection closed during a query', true));
      core.on('error', onConnectionError);
      core.on('end', onConnectionEnd);
      const typeCast = options.raw === true ? false : lossless;
      const query = core.query({ sql, values: [...values], rowsAsArray: true, typeCast });
      query.on('result', (row: unknown) => {
        if (settled) return;
        count++;
        let waiting: Promise<void> | undefined;
        try {
          waiting = onRow(row as unknown[]);
        } catch (error) {
          fail(error);
          return;
        }
        if (waiting) {
          core.pause();
          waiting.then(() => core.resume(), fail);
        }
      });
      query.on('error', (error: unknown) => fail(explained(error, limits)));
      query.on('end', () => {
        if (settled) return;
        settled = true;
        cleanup();
        resolve(count);
      });
    });
  }

  /** runs `callback` once the connection is closed (ended, not handed back to a pool) */
  onClose(callback: () => void): void {
    this.#onClose.push(callback);
  }

  /** The table is done with the session: back to the pool that lent it, if any, else ended. */
  async close(): Promise<void> {
    const giveBack = this.#giveBack;
    this.#giveBack = undefined;
    if (giveBack) giveBack(this);
    else await this.end();
  }

  /** Ends the connection (a pool ends its idle sessions so when the run is over). */
  async end(): Promise<void> {
    this.#broken = true;
    try {
      await this.core.promise().end();
    } catch {
      this.core.destroy();
    } finally {
      for (const callback of this.#onClose.splice(0)) callback();
    }
  }
}
