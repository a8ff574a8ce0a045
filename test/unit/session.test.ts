/** The extraction session's set-up and its check (src/extract/session.ts); the attacks are in test/extract/security.test.ts. */
import { describe, expect, it } from 'vitest';
import { boundHit, serverFlavour, sessionProblem, sessionSetup } from '../../src/extract/session.js';

const limits = { lockWaitTimeoutSeconds: 30, statementTimeoutSeconds: 120 };

describe('sessionSetup', () => {
  it('bounds MariaDB statements with max_statement_time in seconds', () => {
    const sql = sessionSetup(serverFlavour('10.11.19-MariaDB-0+deb12u1'), limits);
    expect(sql).toContain('SESSION lock_wait_timeout = 30');
    expect(sql).toContain('SESSION max_statement_time = 120');
    expect(sql).not.toContain('max_execution_time');
  });

  it('bounds MySQL 8 statements with max_execution_time in milliseconds', () => {
    const sql = sessionSetup(serverFlavour('8.0.36'), limits);
    expect(sql).toContain('SESSION max_execution_time = 120000');
    expect(sql).not.toContain('max_statement_time');
  });

  it('removes NO_BACKSLASH_ESCAPES from the session mode and sets the zone in the same statement', () => {
    const sql = sessionSetup('mariadb', limits);
    expect(sql).toMatch(/^SET SESSION time_zone = '\+00:00', SESSION sql_mode = /);
    expect(sql).toContain("',NO_BACKSLASH_ESCAPES,'");
  });

  it('refuses bounds that are not whole seconds', () => {
    expect(() => sessionSetup('mysql', { ...limits, lockWaitTimeoutSeconds: 0 })).toThrow(
      /lock wait timeout/,
    );
    expect(() => sessionSetup('mysql', { ...limits, statementTimeoutSeconds: 1.5 })).toThrow(
      /statement timeout/,
    );
    expect(() => sessionSetup('mysql', { ...limits, statementTimeoutSeconds: Number.NaN })).toThrow();
  });
});

describe('sessionProblem', () => {
  it('refuses a session whose sql_mode still has NO_BACKSLASH_ESCAPES, in any position or case', () => {
    expect(sessionProblem('NO_BACKSLASH_ESCAPES')).toMatch(/NO_BACKSLASH_ESCAPES/);
    expect(sessionProblem('STRICT_TRANS_TABLES,no_backslash_escapes,ANSI_QUOTES')).toMatch(/nothing is read/);
  });

  it('accepts any other mode', () => {
    expect(sessionProblem('STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO')).toBeUndefined();
    expect(sessionProblem('')).toBeUndefined();
    expect(sessionProblem(null)).toBeUndefined();
  });
});

describe('boundHit', () => {
  it('names the bound and the option for lock waits (retried) and statement timeouts of both servers (not retried)', () => {
    expect(boundHit(1205, limits)).toMatchObject({ transient: true });
    expect(boundHit(1205, limits)?.message).toContain('lock wait timeout (30 s)');
    expect(boundHit(1969, limits)).toMatchObject({ transient: false });
    expect(boundHit(3024, limits)?.message).toContain('statement timeout (120 s)');
    expect(boundHit(1064, limits)).toBeUndefined();
  });
});
