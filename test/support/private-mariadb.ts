/**
 * A throwaway MariaDB server for tests: its own temporary data directory, a free loopback port, started
 * without root's service manager (`--no-defaults`, so /etc/mysql's port and socket never apply). Used by the
 * global set-up when no server answers, and by tests that need a server in a particular mode (e.g.
 * `--sql-mode=NO_BACKSLASH_ESCAPES`). Stopped by its PID; the directory is removed afterwards.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { constants } from 'node:fs';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import mysql from 'mysql2/promise';
import type { MysqlTarget } from './mysql.js';

export interface PrivateMariadb {
  readonly target: MysqlTarget;
  readonly dataDir: string;
  readonly pid: number;
  /** SIGTERM, wait for the process to end, remove the directory */
  stop(): Promise<void>;
}

export interface PrivateMariadbOptions {
  /** e.g. 'NO_BACKSLASH_ESCAPES'; the server's global (and so every new session's) sql_mode */
  readonly sqlMode?: string;
  /** more mariadbd options */
  readonly args?: readonly string[];
  /** how long to wait for the server to answer; default 60 s (two shared cores can be slow) */
  readonly readyTimeoutMs?: number;
  /** where to look for the server programs; default PATH plus the usual sbin directories */
  readonly searchPath?: readonly string[];
}

/** The one-line answer when MariaDB's server binaries are missing. */
export const MARIADB_PACKAGE_HINT =
  'no MariaDB server binaries (mariadbd, mariadb-install-db) found: install the Debian package mariadb-server (apt-get install -y mariadb-server)';

export class MariadbNotInstalledError extends Error {
  override readonly name = 'MariadbNotInstalledError';
  constructor() {
    super(MARIADB_PACKAGE_HINT);
    this.stack = `${this.name}: ${MARIADB_PACKAGE_HINT}`;
  }
}

/** Debian installs mariadbd in /usr/sbin, which is not on every user's PATH. */
const EXTRA_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/local/mysql/bin', '/usr/local/bin'];

function defaultSearchPath(): string[] {
  return [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS];
}

async function findProgram(name: string, dirs: readonly string[]): Promise<string | undefined> {
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export async function startPrivateMariadb(options: PrivateMariadbOptions = {}): Promise<PrivateMariadb> {
  const dirs = options.searchPath ?? defaultSearchPath();
  const server = await findProgram('mariadbd', dirs);
  const installDb = await findProgram('mariadb-install-db', dirs);
  if (server === undefined || installDb === undefined) throw new MariadbNotInstalledError();
  const dataDir = await mkdtemp(join(tmpdir(), 'snowstage-mariadb-'));
  try {
    await initialise(installDb, dataDir);
    return await launch(server, dataDir, options);
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** mariadbd refuses to run as root unless told to; as anyone else `--user` is unnecessary. */
function userArgs(): string[] {
  return process.getuid?.() === 0 ? ['--user=root'] : [`--user=${userInfo().username}`];
}

async function initialise(installDb: string, dataDir: string): Promise<void> {
  const child = spawn(
    installDb,
    [
      '--no-defaults',
      `--datadir=${join(dataDir, 'data')}`,
      ...userArgs(),
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      '--skip-name-resolve',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk));
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) {
    throw new Error(
      `mariadb-install-db failed (exit ${code}): ${Buffer.concat(output).toString().slice(-2000)}`,
    );
  }
}

async function launch(
  server: string,
  dataDir: string,
  options: PrivateMariadbOptions,
): Promise<PrivateMariadb> {
  const port = await freePort();
  const errorLog = join(dataDir, 'error.log');
  const child = spawn(
    server,
    [
      '--no-defaults',
      `--datadir=${join(dataDir, 'data')}`,
      `--socket=${join(dataDir, 'sock')}`,
      `--pid-file=${join(dataDir, 'pid')}`,
      `--log-error=${errorLog}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      '--skip-networking=0',
      '--skip-name-resolve',
      // what Debian's server configuration sets (and the suite is written against); the built-in is latin1
      '--character-set-server=utf8mb4',
      '--collation-server=utf8mb4_general_ci',
      ...userArgs(),
      ...(options.sqlMode === undefined ? [] : [`--sql-mode=${options.sqlMode}`]),
      ...(options.args ?? []),
    ],
    { stdio: 'ignore' },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${server}`);
  const exited = once(child, 'exit');
  const target: MysqlTarget = { host: '127.0.0.1', port, user: 'root', password: '' };
  try {
    await waitUntilAnswering(target, child, options.readyTimeoutMs ?? 60_000);
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    const log = await readFile(errorLog, 'utf8').catch(() => '');
    throw new Error(`${(error as Error).message}\n${log.slice(-2000)}`);
  }
  let stopped: Promise<void> | undefined;
  return {
    target,
    dataDir,
    pid,
    stop() {
      stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          await exited;
        }
        await rm(dataDir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

/** Polls with a real connection until the server answers (or the process dies, or time runs out). */
async function waitUntilAnswering(
  target: MysqlTarget,
  child: ChildProcess,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`mariadbd exited (${child.exitCode ?? child.signalCode}) before answering`);
    }
    try {
      const connection = await mysql.createConnection({ ...target, connectTimeout: 2_000 });
      await connection.end();
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(`mariadbd did not answer on port ${target.port} within ${timeoutMs} ms: ${error}`);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A port nothing listens on right now (the OS picks it). */
async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const address = probe.address();
  probe.close();
  await once(probe, 'close');
  if (address === null || typeof address === 'string') throw new Error('could not pick a free port');
  return address.port;
}
