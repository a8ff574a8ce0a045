/**
 * How every extraction session is set up, and checked, before it reads a row. Pure: SQL text and checks.
 *
 * - sql_mode without NO_BACKSLASH_ESCAPES. mysql2 substitutes `?` values on the client and escapes a quote as
 *   `\'`; on a server whose sql_mode has NO_BACKSLASH_ESCAPES that backslash is an ordinary character, so a
 *   quote inside a value (say a text primary key that became the watermark) would end the string and the rest
 *   of the value would run as SQL. The flag is removed from the session's mode, the mode is read back, and the
 *   run refuses to start when it is still there. Every other flag of the server's mode is kept.
 * - Bounds, so a session never hangs behind a `LOCK TABLES … WRITE` or a long DDL while the lease keeps being
 *   renewed: `lock_wait_timeout` (both servers, seconds), and a statement time limit, which the two servers
 *   name differently: MariaDB `max_statement_time` (seconds), MySQL 8 `max_execution_time` (milliseconds,
 *   SELECT only, which is all the extractor runs).
 */

export interface SessionLimits {
  /** seconds a statement may wait for a table or metadata lock */
  readonly lockWaitTimeoutSeconds: number;
  /** seconds a statement may run; 0 = no limit */
  readonly statementTimeoutSeconds: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  lockWaitTimeoutSeconds: 60,
  statementTimeoutSeconds: 900,
};

export type ServerFlavour = 'mariadb' | 'mysql';

/** `SELECT VERSION()` is e.g. "10.11.19-MariaDB-0+deb12u1" or "8.0.36". */
export function serverFlavour(version: string): ServerFlavour {
  return /mariadb/i.test(version) ? 'mariadb' : 'mysql';
}

const NO_BACKSLASH_ESCAPES = 'NO_BACKSLASH_ESCAPES';

/** One SET for the whole session set-up. Numbers only are interpolated, and only after they were checked. */
export function sessionSetup(flavour: ServerFlavour, limits: SessionLimits): string {
  const lockWait = wholeSeconds(limits.lockWaitTimeoutSeconds, 'lock wait timeout', 1);
  const statement = wholeSeconds(limits.statementTimeoutSeconds, 'statement timeout', 0);
  const statementLimit =
    flavour === 'mariadb'
      ? `SESSION max_statement_time = ${statement}`
      : `SESSION max_execution_time = ${statement * 1000}`;
  return [
    // TIMESTAMP values then arrive in UTC whatever the server's zone
    "SET SESSION time_zone = '+00:00'",
    `SESSION sql_mode = TRIM(BOTH ',' FROM REPLACE(CONCAT(',', @@SESSION.sql_mode, ','), ',${NO_BACKSLASH_ESCAPES},', ','))`,
    `SESSION lock_wait_timeout = ${lockWait}`,
    statementLimit,
  ].join(', ');
}

/** Reads back what sessionSetup set. */
export const SESSION_CHECK = 'SELECT CAST(@@SESSION.sql_mode AS CHAR) AS sqlMode';

/** Why the session is unsafe to send client-escaped values over, or undefined when it is fine. */
export function sessionProblem(sqlMode: string | null | undefined): string | undefined {
  const flags = (sqlMode ?? '').toUpperCase().split(',');
  if (flags.includes(NO_BACKSLASH_ESCAPES)) {
    return `the session's sql_mode still contains ${NO_BACKSLASH_ESCAPES} after removing it (${sqlMode}); values cannot be sent safely, so nothing is read`;
  }
  return undefined;
}

function wholeSeconds(value: number, what: string, minimum: number): number {
  if (!Number.isSafeInteger(value) || value < minimum) {
    throw new Error(`the MySQL ${what} must be a whole number of seconds ≥ ${minimum}, got ${value}`);
  }
  return value;
}

/** Server error numbers of the two bounds (mysql2 has no name for MariaDB's). */
const LOCK_WAIT_TIMEOUT = 1205; // ER_LOCK_WAIT_TIMEOUT, both servers
const MARIADB_STATEMENT_TIMEOUT = 1969; // ER_STATEMENT_TIMEOUT (max_statement_time)
const MYSQL_QUERY_TIMEOUT = 3024; // ER_QUERY_TIMEOUT (max_execution_time)

/** Which bound an error is, said so that the operator knows what happened and what to change. */
export function boundHit(
  errno: unknown,
  limits: SessionLimits,
): { readonly message: string; readonly transient: boolean } | undefined {
  switch (errno) {
    case LOCK_WAIT_TIMEOUT:
      return {
        message: `waited longer than the MySQL lock wait timeout (${limits.lockWaitTimeoutSeconds} s) for a lock: another session holds the table (LOCK TABLES, a long DDL or transaction); retry later or raise --mysql-lock-wait-seconds`,
        transient: true,
      };
    case MARIADB_STATEMENT_TIMEOUT:
    case MYSQL_QUERY_TIMEOUT:
      return {
        message: `a MySQL statement ran longer than the statement timeout (${limits.statementTimeoutSeconds} s) and was stopped by the server (it may have been waiting for a lock); raise --mysql-statement-timeout-seconds (0 = no limit) or lower --chunk-rows`,
        transient: false,
      };
    default:
      return undefined;
  }
}
