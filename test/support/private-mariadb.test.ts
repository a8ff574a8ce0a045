/** The private MariaDB the test run starts when no server answers (and that sql_mode tests start on purpose). */
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { MARIADB_PACKAGE_HINT, MariadbNotInstalledError, startPrivateMariadb } from './private-mariadb.js';

describe('startPrivateMariadb', () => {
  it('starts a server in the asked sql_mode on a free port, and stop() ends it and removes its directory', async () => {
    const server = await startPrivateMariadb({ sqlMode: 'NO_BACKSLASH_ESCAPES' });
    try {
      expect(server.target.port).not.toBe(3306);
      const connection = await mysql.createConnection(server.target);
      const [rows] = await connection.query(
        'SELECT @@GLOBAL.sql_mode AS mode, @@datadir AS dir, @@character_set_server AS charset',
      );
      await connection.end();
      const [row] = rows as { mode: string; dir: string; charset: string }[];
      expect(row?.mode).toBe('NO_BACKSLASH_ESCAPES');
      expect(row?.charset).toBe('utf8mb4');
      expect(row?.dir.startsWith(server.dataDir)).toBe(true);
    } finally {
      await server.stop();
    }
    expect(() => process.kill(server.pid, 0)).toThrow();
    await expect(access(server.dataDir)).rejects.toThrow();
    await expect(mysql.createConnection({ ...server.target, connectTimeout: 2_000 })).rejects.toThrow();
  });

  it('names the package to install, in one line, when the server programs are missing', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'snowstage-nobin-'));
    try {
      const error = await startPrivateMariadb({ searchPath: [empty] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MariadbNotInstalledError);
      expect((error as Error).message).toBe(MARIADB_PACKAGE_HINT);
      expect((error as Error).message).toContain('mariadb-server');
      expect((error as Error).message).not.toContain('\n');
    } finally {
      await rm(empty, { recursive: true });
    }
  });
});
