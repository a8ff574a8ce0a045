/**
 * Tables extracted concurrently against real MariaDB and s3rver: one MySQL connection budget over every table and
 * backfill range, a failing, slow or locked table never holding up the others, and what a scheduled run of a
 * table with nothing new costs (S3 requests counted on the wire by an SDK middleware, MySQL statements by
 * wrapping the real sessions).
 */
import { fileURLToPath } from 'node:url';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractAll } from '../../src/extract/extract-all.js';
import { lastAttemptKey } from '../../src/extract/last-attempt.js';
import { acquireLease } from '../../src/extract/lease.js';
import { MysqlSource } from '../../src/extract/mysql-source.js';
import { leaseKey, stateKey } from '../../src/extract/naming.js';
import type { ExtractSettings, Progress, TableRunResult } from '../../src/extract/run-table.js';
import { S3ObjectStore } from '../../src/extract/s3-store.js';
import type { SessionLimits } from '../../src/extract/session.js';
import { RECORD_QUIET_RUN_MS } from '../../src/extract/table-run.js';
import type { PipelineModel, TableModel } from '../../src/model/types.js';
import { createTestDatabase, type TestDatabase } from '../support/mysql.js';
import { loadTestModel, pipelineEnv } from '../support/pipeline.js';
import { createTestS3Client, startTestS3, type TestS3 } from '../support/s3.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TABLES = 6;
let db: TestDatabase;
let s3: TestS3;
let model: PipelineModel;

const settings: ExtractSettings = {
  chunkRows: 3,
  targetFileBytes: 64 * 1024 * 1024,
  gzipLevel: 1,
  leaseTtlMs: 30_000,
  owner: 'test',
  maxAttempts: 1,
};

beforeAll(async () => {
  db = await createTestDatabase('concurrency');
  await db.runSqlFile(`${ROOT}test/fixtures/bookstore.sql`);
  for (let i = 0; i < TABLES; i++) {
    await db.query(`CREATE TABLE books_${i} LIKE books`);
    await db.query(`INSERT INTO books_${i} SELECT * FROM books`);
  }
  s3 = await startTestS3();
  model = await loadTestModel('metadata', pipelineEnv(db, s3));
});

afterAll(async () => {
  await db?.drop();
  await s3?.close();
});

/** `books` under another name: its own MySQL table, S3 folder, state and lease. */
function clone(i: number | string, prefix = 'p'): TableModel {
  const books = model.tables.find((t) => t.name === 'books');
  if (!books) throw new Error('books');
  const name = `books_${i}`;
  return {
    ...books,
    name,
    sourceTable: name,
    commitLagSeconds: 0,
    lookbackSeconds: 0,
    dataKeyPrefix: `${prefix}/data/${name}/`,
    stateKeyPrefix: `${prefix}/_snowstage/${name}/`,
  };
}

/** Opens real sessions and counts those open at once (closed ones are counted down when they close). */
function countingSessions(limits?: SessionLimits) {
  const counts = { open: 0, peak: 0, opened: 0, statements: 0 };
  const openSource = async () => {
    const source = await MysqlSource.connect({
      source: model.source,
      env: { MYSQL_PASSWORD: db.target.password },
      ...(limits ? { limits } : {}),
    });
    counts.open += 1;
    counts.opened += 1;
    counts.peak = Math.max(counts.peak, counts.open);
    source.onClose(() => {
      counts.open -= 1;
    });
    const query = source.query.bind(source);
    const streamRows = source.streamRows.bind(source);
    source.query = (...args) => {
      counts.statements += 1;
      return query(...args);
    };
    source.streamRows = (...args) => {
      counts.statements += 1;
      return streamRows(...args);
    };
    return source;
  };
  return { counts, openSource };
}

/** Every HTTP request the S3 client sends (retries included), by method. */
function countingClient(): { client: S3Client; requests: string[] } {
  const client = createTestS3Client(s3.endpoint);
  const requests: string[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { method?: string; path?: string };
      requests.push(`${request.method} ${request.path}`);
      return next(args);
    },
    { step: 'finalizeRequest', name: 'countRequests' },
  );
  return { client, requests };
}

async function run(
  tables: TableModel[],
  extra: Partial<ExtractSettings>,
  more: Partial<Parameters<typeof extractAll>[0]> = {},
): Promise<TableRunResult[]> {
  const store = new S3ObjectStore(s3.client, s3.bucket);
  return extractAll({
    model,
    tables,
    dataStore: store,
    stateStore: store,
    env: { MYSQL_PASSWORD: db.target.password },
    settings: { ...settings, ...extra },
    signal: new AbortController().signal,
    ...more,
  });
}

describe('tables at once under one connection budget', () => {
  it('runs N tables at once and never holds more MySQL connections than the budget, backfill ranges included', async () => {
    const tables = Array.from({ length: TABLES }, (_, i) => clone(i, 'budget'));
    const { counts, openSource } = countingSessions();
    let running = 0;
    let mostRunning = 0;
    const results = await run(
      tables,
      { concurrency: 3, maxConnections: 4, backfillConnections: 3 },
      {
        openSource,
        onTableStart: () => {
          running += 1;
          mostRunning = Math.max(mostRunning, running);
        },
        onTableDone: () => {
          running -= 1;
        },
      },
    );
    expect(results.map((r) => [r.table, r.status, r.rows])).toEqual(tables.map((t) => [t.name, 'ok', 20]));
    expect(mostRunning).toBe(3);
    expect(counts.peak).toBeLessThanOrEqual(4);
    // tables did hold connections at the same time (3 tables × 3 ranges would want 9)
    expect(counts.peak).toBeGreaterThanOrEqual(2);
    expect(counts.open).toBe(0);
  });

  it('a budget of one connection still completes every table (ranges read in turn, no deadlock)', async () => {
    const tables = Array.from({ length: 3 }, (_, i) => clone(i, 'one'));
    const { counts, openSource } = countingSessions();
    const results = await run(
      tables,
      { concurrency: 3, maxConnections: 1, backfillConnections: 3 },
      { openSource },
    );
    expect(results.map((r) => [r.status, r.rows])).toEqual(tables.map(() => ['ok', 20]));
    expect(counts.peak).toBe(1);
  });

  it('a failing table does not stop the others; a table waiting on a lock does not hold them up', async () => {
    const tables = [clone('missing', 'fail'), clone(0, 'fail'), clone(1, 'fail'), clone(2, 'fail')];
    const locker = await db.pool.getConnection();
    const finished: string[] = [];
    try {
      await locker.query('LOCK TABLES books_0 WRITE');
      const results = await run(
        tables,
        {
          concurrency: 2,
          maxConnections: 2,
          sessionLimits: { lockWaitTimeoutSeconds: 2, statementTimeoutSeconds: 0 },
        },
        { onTableDone: (r) => finished.push(r.table) },
      );
      expect(results.map((r) => [r.table, r.status])).toEqual([
        ['books_missing', 'failed'],
        ['books_0', 'failed'],
        ['books_1', 'ok'],
        ['books_2', 'ok'],
      ]);
      expect(results[0]?.message).toContain('MySQL table books_missing was not found');
      expect(results[1]?.message).toContain('lock wait timeout');
      // books_0 waited 2 s for its lock while the other worker finished books_1 and books_2
      expect(finished).toEqual(['books_missing', 'books_1', 'books_2', 'books_0']);
    } finally {
      await locker.query('UNLOCK TABLES');
      locker.release();
    }
  });

  it('a table locked by another extractor is skipped as locked; the others run', async () => {
    const tables = [clone(3, 'locked'), clone(4, 'locked')];
    const store = new S3ObjectStore(s3.client, s3.bucket);
    const held = await acquireLease(store, leaseKey(tables[0] as TableModel), {
      owner: 'other-host:1',
      runId: 'other',
      ttlMs: 60_000,
    });
    try {
      const results = await run(tables, { concurrency: 2 });
      expect(results.map((r) => [r.table, r.status])).toEqual([
        ['books_3', 'locked'],
        ['books_4', 'ok'],
      ]);
    } finally {
      await held.release();
    }
  });
});

describe('backfill progress', () => {
  it("carries the server's row estimate (information_schema.TABLES.TABLE_ROWS), for total, percentage and ETA", async () => {
    await db.query('CREATE TABLE books_big LIKE books');
    // 2 × 20³ = 16,000 rows with distinct keys (progress is reported every 8192 rows)
    for (const offset of [0, 8000]) {
      await db.query(
        `INSERT INTO books_big (book_id, title) SELECT ${offset} + (a.book_id - 1) * 400 + (b.book_id - 1) * 20 + c.book_id, a.title FROM books a, books b, books c`,
      );
    }
    await db.query('ANALYZE TABLE books_big');
    const progress: Progress[] = [];
    const [result] = await run(
      [clone('big', 'progress')],
      { chunkRows: 5000 },
      { onProgress: (p) => progress.push(p) },
    );
    expect(result?.rows).toBe(16_000);
    expect(progress.length).toBeGreaterThan(0);
    for (const event of progress) {
      // InnoDB samples the count: near 16,000, not exact
      expect(event.estimatedRows).toBeGreaterThan(8000);
      expect(event.estimatedRows).toBeLessThan(32_000);
    }
  });
});

describe('sessions shared by the tables of one run', () => {
  it('a table takes the session another table is done with, readied anew; none is left open', async () => {
    const tables = Array.from({ length: TABLES }, (_, i) => clone(i, 'pooled'));
    const { counts, openSource } = countingSessions();
    const results = await run(tables, { concurrency: 2, maxConnections: 2 }, { openSource });
    expect(results.map((r) => [r.table, r.status, r.rows])).toEqual(tables.map((t) => [t.name, 'ok', 20]));
    // one session per table before (6); now never more than the budget, all of them ended at the end
    expect(counts.opened).toBeLessThanOrEqual(2);
    expect(counts.peak).toBeLessThanOrEqual(2);
    expect(counts.open).toBe(0);
  });

  it('a session that saw a MySQL error is ended, not lent to the next table', async () => {
    const tables = [clone(0, 'pooled-fail'), clone(1, 'pooled-fail'), clone(2, 'pooled-fail')];
    const limits = { lockWaitTimeoutSeconds: 1, statementTimeoutSeconds: 0 };
    const { counts, openSource } = countingSessions(limits);
    const locker = await db.pool.getConnection();
    try {
      await locker.query('LOCK TABLES books_0 WRITE');
      const results = await run(
        tables,
        { concurrency: 1, maxConnections: 1, sessionLimits: limits },
        { openSource },
      );
      expect(results.map((r) => r.status)).toEqual(['failed', 'ok', 'ok']);
      expect(results[0]?.message).toContain('lock wait timeout');
    } finally {
      await locker.query('UNLOCK TABLES');
      locker.release();
    }
    // the session that hit the lock wait timeout was ended; the two other tables shared one
    expect(counts.opened).toBe(2);
    expect(counts.open).toBe(0);
  });

  it('refresh reads the clocks anew, leaves the session in UTC and refuses a session whose sql_mode changed', async () => {
    const source = await MysqlSource.connect({
      source: model.source,
      env: { MYSQL_PASSWORD: db.target.password },
    });
    try {
      const offset = (c: { localNow: string; utcNow: string }) =>
        Date.parse(`${c.localNow}Z`) - Date.parse(`${c.utcNow}Z`);
      const before = source.clock;
      await db.query('DO SLEEP(0.01)');
      await source.refresh();
      expect(source.clock.utcNow > before.utcNow).toBe(true);
      expect(offset(source.clock)).toBe(offset(before));
      const [zone] = await source.query<{ zone: string }>('SELECT @@SESSION.time_zone AS zone');
      expect(zone?.zone).toBe('+00:00');
      expect(source.reusable).toBe(true);
      await source.query("SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'");
      await expect(source.refresh()).rejects.toThrow(/NO_BACKSLASH_ESCAPES/);
      expect(source.reusable).toBe(false);
    } finally {
      await source.end();
    }
    const moved = await MysqlSource.connect({
      source: model.source,
      env: { MYSQL_PASSWORD: db.target.password },
    });
    try {
      await moved.query("SET SESSION time_zone = '+05:00'");
      await expect(moved.refresh()).rejects.toThrow(/time zone is \+05:00, expected \+00:00/);
      expect(moved.reusable).toBe(false);
    } finally {
      await moved.end();
    }
  });
});

describe('a scheduled run of a table with nothing new', () => {
  it('costs four S3 requests (lease create, state read, lease delete, last-attempt record) and writes nothing else', async () => {
    const table = clone(5, 'quiet');
    const [first] = await run([table], {});
    expect(first?.status).toBe('ok');
    const { client, requests } = countingClient();
    const store = new S3ObjectStore(client, s3.bucket);
    const before = await store.getText(stateKey(table));
    requests.length = 0;
    const { counts, openSource } = countingSessions();
    const [quiet] = await extractAll({
      model,
      tables: [table],
      dataStore: store,
      stateStore: store,
      env: { MYSQL_PASSWORD: db.target.password },
      settings,
      signal: new AbortController().signal,
      openSource,
    });
    expect(quiet?.status).toBe('ok');
    expect(quiet?.rows).toBe(0);
    const lease = leaseKey(table);
    const state = stateKey(table);
    expect(requests).toEqual([
      `PUT /${s3.bucket}/${lease}`,
      `GET /${s3.bucket}/${state}`,
      `DELETE /${s3.bucket}/${lease}`,
      // what `status` shows as the last attempt (written after every run, outside state)
      `PUT /${s3.bucket}/${lastAttemptKey(table)}`,
    ]);
    // MySQL, after the session set-up inside connect (clock, SET, sql_mode check): the live schema, its
    // indexes (the key must be unique), the count of cursors in the future, the (empty) window and, with
    // null_cursor: oldest, the NULL-cursor rows
    expect(counts).toMatchObject({ opened: 1, statements: 5 });
    expect((await store.getText(state))?.etag).toBe(before?.etag);
    client.destroy();
  });

  it('still records a run (manifest and state) when the last recorded one is over an hour old', async () => {
    const table = clone(5, 'quiet');
    const { client, requests } = countingClient();
    const store = new S3ObjectStore(client, s3.bucket);
    const later = new Date(Date.now() + RECORD_QUIET_RUN_MS + 60_000);
    const [quiet] = await extractAll({
      model,
      tables: [table],
      dataStore: store,
      stateStore: store,
      env: { MYSQL_PASSWORD: db.target.password },
      settings,
      signal: new AbortController().signal,
      now: () => later,
    });
    expect(quiet?.status).toBe('ok');
    // lease, state, manifest, lease check, state, lease delete, then the last-attempt record
    expect(requests.map((r) => r.split(' ')[0])).toEqual([
      'PUT',
      'GET',
      'PUT',
      'GET',
      'PUT',
      'DELETE',
      'PUT',
    ]);
    expect(requests[2]).toContain('/manifests/');
    client.destroy();
  });
});
