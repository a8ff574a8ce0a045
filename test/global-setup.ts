/**
 * Vitest global set-up: makes `npm test` work on a machine where no MySQL server runs. When the TEST_MYSQL_*
 * variables are not set and nothing answers at 127.0.0.1:3306, it starts a private MariaDB (temporary data
 * directory, free loopback port; see private-mariadb.ts), points the test workers at it through
 * TEST_MYSQL_PORT, and stops it when the run ends. An address set explicitly is never replaced: a server
 * that is down there fails the tests with the hint from mysql.ts, since silently testing elsewhere would hide it.
 */
import mysql from 'mysql2/promise';
import { mysqlTargetFromEnv } from './support/mysql.js';
import { MariadbNotInstalledError, startPrivateMariadb } from './support/private-mariadb.js';

const EXPLICIT = ['TEST_MYSQL_HOST', 'TEST_MYSQL_PORT'] as const;

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (EXPLICIT.some((name) => process.env[name])) return undefined;
  if (await answers()) return undefined;
  let server: Awaited<ReturnType<typeof startPrivateMariadb>>;
  try {
    server = await startPrivateMariadb();
  } catch (error) {
    if (error instanceof MariadbNotInstalledError) {
      // one line, no stack: the MySQL-backed suites then fail with mysql.ts's hint as well
      process.stderr.write(`snowstage tests: nothing answers at 127.0.0.1:3306 and ${error.message}\n`);
      return undefined;
    }
    throw error;
  }
  // forked workers inherit this process's environment
  process.env.TEST_MYSQL_HOST = server.target.host;
  process.env.TEST_MYSQL_PORT = String(server.target.port);
  process.stderr.write(
    `snowstage tests: nothing answered at 127.0.0.1:3306; started a private MariaDB on port ${server.target.port} (pid ${server.pid})\n`,
  );
  return () => server.stop();
}

/** Anything that speaks MySQL at the default address, even a refusal, counts: the tests then explain. */
async function answers(): Promise<boolean> {
  const target = mysqlTargetFromEnv({});
  try {
    const connection = await mysql.createConnection({ ...target, connectTimeout: 3_000 });
    await connection.end();
    return true;
  } catch (error) {
    // a server error (access denied, …) carries an SQL state; a network error does not
    return typeof (error as { sqlState?: unknown }).sqlState === 'string';
  }
}
