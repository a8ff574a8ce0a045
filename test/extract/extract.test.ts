/**
 * Extraction against real MariaDB and s3rver: backfill, incremental rounds, cursor ties across chunk boundaries,
 * late commits, NULL cursors, two extractors on one table, schema drift.
 */

import { fileURLToPath } from 'node:url';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractAll } from '../../src/extract/extract-all.js';
import { MysqlSource } from '../../src/extract/mysql-source.js';
import { stateKey } from '../../src/extract/naming.js';
import type { ExtractSettings, TableRunResult } from '../../src/extract/run-table.js';
import { extractTable } from '../../src/extract/run-table.js';
import { S3ObjectStore } from '../../src/extract/s3-store.js';
import { loadState } from '../../src/extract/state.js';
import type { PipelineModel, TableModel } from '../../src/model/types.js';
import { readCsvGz } from '../support/csv.js';
import { createTestDatabase, type TestDatabase } from '../support/mysql.js';
import { loadTestModel, pipelineEnv } from '../support/pipeline.js';
import { startTestS3, type TestS3 } from '../support/s3.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let db: TestDatabase;
let s3: TestS3;
let model: PipelineModel;

const settings: ExtractSettings = {
  chunkRows: 7,
  targetFileBytes: 64 * 1024 * 1024,
  gzipLevel: 1,
  leaseTtlMs: 30_000,
  owner: 'test',
  maxAttempts: 1,
};

beforeAll(async () => {
  db = await createTestDatabase('extract');
  await db.runSqlFile(`${ROOT}test/fixtures/bookstore.sql`);
  s3 = await startTestS3();
  model = await loadTestModel('metadata', pipelineEnv(db, s3));
});

afterAll(async () => {
  await db?.drop();
  await s3?.close();
});

function table(name: string, overrides: Partial<TableModel> = {}): TableModel {
  const found = model.tables.find((t) => t.name === name);
  if (!found) throw new Error(name);
  return { ...found, commitLagSeconds: 0, lookbackSeconds: 0, ...overrides };
}

async function run(
  tables: TableModel[],
  extra: Partial<ExtractSettings> = {},
  pipeline: PipelineModel = model,
): Promise<TableRunResult[]> {
  const store = new S3ObjectStore(s3.client, s3.bucket);
  return extractAll({
    model: pipeline,
    tables,
    dataStore: store,
    stateStore: store,
    env: { MYSQL_PASSWORD: db.target.password },
    settings: { ...settings, ...extra },
    signal: new AbortController().signal,
  });
}

async function fileRecords(result: TableRunResult, t: TableModel) {
  const store = new S3ObjectStore(s3.client, s3.bucket);
  const keys = (await store.list(t.dataKeyPrefix)).map((o) => o.key).filter((k) => k.includes(result.runId));
  const records: Record<string, string | null>[] = [];
  for (const key of keys) {
    const object = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
    records.push(
      ...readCsvGz(
        await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
      ).records,
    );
  }
  return records;
}

describe('books: backfill then incremental rounds', () => {
  const books = () => table('books');

  it('backfills every row in key chunks, writes a manifest and sets the watermark', async () => {
    const [result] = await run([books()]);
    expect(result?.status, result?.message).toBe('ok');
    expect(result?.mode).toBe('backfill');
    const records = await fileRecords(result as TableRunResult, books());
    const ids = records.map((r) => Number(r.BOOK_ID));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const [[count]] = (await db.pool.query('SELECT COUNT(*) FROM books', [])) as unknown as [
      [Record<string, number>],
    ];
    expect(records.length).toBe(Number(Object.values(count ?? {})[0]));
    expect(new Set(records.map((r) => r._SNOWSTAGE_OP))).toEqual(new Set(['U']));
    const { state } = await loadState(new S3ObjectStore(s3.client, s3.bucket), stateKey(books()));
    expect(state.watermark?.cursor).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
    expect(state.backfill).toBeNull();
    expect(state.lastRun?.rows).toBe(records.length);
  });

  it('extracts exactly the rows changed since, including many rows sharing one cursor across chunks', async () => {
    await db.query('UPDATE books SET price = 1.25, updated_at = NOW(6) WHERE book_id <= 15');
    await db.query(
      "UPDATE books SET deleted_at = '2030-01-01 00:00:01.000000', updated_at = NOW(6) WHERE book_id = 16",
    );
    const [result] = await run([books()]);
    expect(result?.status, result?.message).toBe('ok');
    expect(result?.mode).toBe('incremental');
    const records = await fileRecords(result as TableRunResult, books());
    expect(records.map((r) => Number(r.BOOK_ID)).sort((a, b) => a - b)).toEqual(
      [...Array(16).keys()].map((i) => i + 1),
    );
    expect(records.find((r) => r.BOOK_ID === '16')?.DELETED_AT).toBe('2030-01-01 00:00:01.000000');
  });

  it('a rerun with no changes extracts nothing and keeps the watermark', async () => {
    const store = new S3ObjectStore(s3.client, s3.bucket);
    const before = (await loadState(store, stateKey(books()))).state.watermark;
    const [result] = await run([books()]);
    expect(result?.status).toBe('ok');
    expect(result?.rows).toBe(0);
    expect((await loadState(store, stateKey(books()))).state.watermark).toEqual(before);
  });

  it('re-reads the lookback window, so rows the MERGE already has come again (absorbed by its dedup)', async () => {
    const [result] = await run([table('books', { lookbackSeconds: 120 })]);
    expect(result?.status).toBe('ok');
    const ids = (await fileRecords(result as TableRunResult, books())).map((r) => Number(r.BOOK_ID));
    expect(ids.sort((a, b) => a - b)).toEqual([...Array(16).keys()].map((i) => i + 1));
  });
});

describe('late commits and NULL cursors (test/fixtures/extract-metadata)', () => {
  let tests: PipelineModel;
  const testTable = (name: string) => {
    const found = tests.tables.find((t) => t.name === name);
    if (!found) throw new Error(name);
    return found;
  };

  beforeAll(async () => {
    tests = await loadTestModel('test/fixtures/extract-metadata', pipelineEnv(db, s3));
    await db.query(
      'CREATE TABLE late_rows (id INT NOT NULL PRIMARY KEY, v VARCHAR(10), updated_at DATETIME(6) NOT NULL, KEY (updated_at, id))',
    );
    await db.query(
      'CREATE TABLE null_rows (id BIGINT UNSIGNED NOT NULL PRIMARY KEY, v VARCHAR(10), changed_at TIMESTAMP(6) NULL, KEY (changed_at, id))',
    );
  });

  it('a transaction committing late with an earlier timestamp is not skipped (upper bound = now - commit lag)', async () => {
    const late = testTable('late_rows');
    await db.query("INSERT INTO late_rows VALUES (1, 'old', NOW(6) - INTERVAL 30 SECOND)");
    const [backfill] = await run([late], {}, tests);
    expect(backfill?.mode).toBe('backfill');
    // Row 2 is stamped 2.2 s before its insert and must be newer than the backfill's upper bound: wait on
    // MySQL's own clock for that, not for a fixed time.
    await waitForMysql('SELECT NOW(6) - INTERVAL 2.2 SECOND > ? AS ok', [backfill?.window.upper]);
    // Newer than the backfill's upper bound, older than the next run's.
    await db.query("INSERT INTO late_rows VALUES (2, 'early', NOW(6) - INTERVAL 2.2 SECOND)");
    const writer = await mysql.createConnection({ ...db.target, database: db.database });
    try {
      await writer.beginTransaction();
      // Timestamped now, committed after the next run has read past rows of an earlier time.
      await writer.query("INSERT INTO late_rows VALUES (3, 'late', NOW(6) - INTERVAL 1 SECOND)");
      // Stamped ahead of now so that it stays above the next run's upper bound (now - 2 s) even when that run
      // starts seconds late on a busy machine.
      await db.query("INSERT INTO late_rows VALUES (4, 'recent', NOW(6) + INTERVAL 3 SECOND)");
      const [first] = await run([late], {}, tests);
      expect(first?.status, first?.message).toBe('ok');
      // Row 4 is committed but newer than now - 2 s: it waits for the next run, and so does the watermark.
      expect((await fileRecords(first as TableRunResult, late)).map((r) => r.ID)).toEqual(['2']);
      await writer.commit();
    } finally {
      await writer.end();
    }
    // Every row, row 4 included, must be older than the next run's upper bound (now - 2 s).
    await waitForMysql('SELECT NOW(6) - INTERVAL 2 SECOND > MAX(updated_at) AS ok FROM late_rows', []);
    const [second] = await run([late], {}, tests);
    expect(second?.status, second?.message).toBe('ok');
    expect((await fileRecords(second as TableRunResult, late)).map((r) => r.ID)).toEqual(['3', '4']);
  });

  it('retries a transient MySQL failure (the connection killed mid-query) and completes', async () => {
    const retry = testTable('retry_rows');
    await db.query(
      'CREATE TABLE retry_rows (id INT NOT NULL PRIMARY KEY, v VARCHAR(10), updated_at DATETIME(6) NOT NULL, KEY (updated_at, id))',
    );
    await db.query('CREATE TABLE retry_digits (d INT NOT NULL)');
    await db.query('INSERT INTO retry_digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)');
    await db.query(
      `INSERT INTO retry_rows SELECT a.d + 10*b.d + 100*c.d + 1000*e.d + 1, 'v', '2024-01-01'
       FROM retry_digits a, retry_digits b, retry_digits c, retry_digits e`,
    );
    let killed = false;
    let progressCalls = 0;
    const sessions: MysqlSource[] = [];
    const store = new S3ObjectStore(s3.client, s3.bucket);
    const result = await extractTable(retry, {
      pipeline: tests,
      dataStore: store,
      stateStore: store,
      connect: async () => {
        const source = await MysqlSource.connect({ source: tests.source, env: {} });
        sessions.push(source);
        return source;
      },
      settings: { ...settings, chunkRows: 500, maxAttempts: 3 },
      now: () => new Date(),
      signal: new AbortController().signal,
      sleep: async () => undefined,
      onProgress: () => {
        progressCalls++;
        if (killed) return;
        killed = true;
        // A real server-side kill of the extractor's own session, the way a failover or a DBA would.
        void db.pool.query(`KILL CONNECTION ${Number(sessions[0]?.connectionId)}`);
      },
    });
    expect(killed).toBe(true);
    expect(result?.status, result?.message).toBe('ok');
    // Progress is reported every 8,192 rows: twice for 10,000 rows means a second attempt read them again.
    expect(progressCalls).toBe(2);
    const ids = new Set((await fileRecords(result as TableRunResult, retry)).map((r) => r.ID));
    expect(ids.size).toBe(10_000);
  });

  it('null_policy oldest: rows with a NULL cursor are extracted on every run, never skipped', async () => {
    const nulls = testTable('null_rows');
    await db.query(
      "INSERT INTO null_rows VALUES (1, 'dated', '2024-01-01 00:00:00'), (2, 'undated', NULL), (3, NULL, NULL)",
    );
    const [backfill] = await run([nulls], {}, tests);
    expect((await fileRecords(backfill as TableRunResult, nulls)).map((r) => r.ID)).toEqual(['1', '2', '3']);
    await db.query("INSERT INTO null_rows VALUES (4, 'new', NULL)");
    const [next] = await run([nulls], {}, tests);
    expect(next?.status, next?.message).toBe('ok');
    expect((await fileRecords(next as TableRunResult, nulls)).map((r) => r.ID)).toEqual(['2', '3', '4']);
  });

  it('null_policy fail: the table fails loudly, naming the count and the fix', async () => {
    const [result] = await run([testTable('strict_rows')], {}, tests);
    expect(result?.status).toBe('failed');
    expect(result?.message).toContain('3 rows of null_rows have a NULL changed_at (null_policy: fail)');
  });
});

/** 0..9 as a derived table (portable: no sequence engine, no recursion limit) */
const DIGITS = `(${[...Array(10).keys()].map((d) => `SELECT ${d} AS d`).join(' UNION ALL ')})`;

describe('backfill over several connections', () => {
  /** book_reviews' metadata over a copy of the table with `rows` (≤ 100,000) reviews, keys 1..rows, own S3 prefixes */
  async function slicedTable(name: string, rows: number, overrides: Partial<TableModel> = {}) {
    await db.query(`CREATE TABLE ${name} LIKE book_reviews`);
    await db.query(
      `INSERT INTO ${name} (review_id, book_id, reviewer, rating, review_text, reviewed_at, updated_at)
       SELECT n, 1, CONCAT('r', n), 3, CONCAT('text "', n, '"'), '2024-05-01 00:00:00', '2024-05-01 00:00:00'
       FROM (SELECT 1 + a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d AS n
             FROM ${DIGITS} a, ${DIGITS} b, ${DIGITS} c, ${DIGITS} e, ${DIGITS} f) numbers
       WHERE n <= ${rows}`,
    );
    const base = table('book_reviews');
    const prefix = (p: string) => p.replace(/book_reviews\/$/, `${name}/`);
    return {
      ...base,
      sourceTable: name,
      stateKeyPrefix: prefix(base.stateKeyPrefix),
      dataKeyPrefix: prefix(base.dataKeyPrefix),
      ...overrides,
    };
  }

  async function idsInFiles(t: TableModel): Promise<number[]> {
    const store = new S3ObjectStore(s3.client, s3.bucket);
    const ids: number[] = [];
    for (const { key } of await store.list(t.dataKeyPrefix)) {
      const object = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
      const bytes = await (
        object.Body as { transformToByteArray(): Promise<Uint8Array> }
      ).transformToByteArray();
      ids.push(...readCsvGz(bytes).records.map((r) => Number(r.REVIEW_ID)));
    }
    return ids.sort((a, b) => a - b);
  }

  const oneTo = (n: number) => [...Array(n).keys()].map((i) => i + 1);

  it('reads each key range over its own connection into its own files: every row exactly once', async () => {
    const t = await slicedTable('sliced_ok', 100);
    const [result] = await run([t], { backfillConnections: 3, chunkRows: 7 });
    expect(result?.status, result?.message).toBe('ok');
    expect(result?.mode).toBe('backfill');
    expect(result?.files).toBe(3);
    expect(await idsInFiles(t)).toEqual(oneTo(100));
    const { state } = await loadState(new S3ObjectStore(s3.client, s3.bucket), stateKey(t));
    expect(state.backfill).toBeNull();
    expect(state.lastRun?.rows).toBe(100);
  });

  it('a session killed in one range fails the attempt as transient; the retry resumes every range', async () => {
    const t = await slicedTable('sliced_retry', 20_000);
    const sessions: MysqlSource[] = [];
    let killed = false;
    const store = new S3ObjectStore(s3.client, s3.bucket);
    const result = await extractTable(t, {
      pipeline: model,
      dataStore: store,
      stateStore: store,
      connect: async () => {
        const source = await MysqlSource.connect({
          source: model.source,
          env: { MYSQL_PASSWORD: db.target.password },
        });
        sessions.push(source);
        return source;
      },
      settings: { ...settings, chunkRows: 500, maxAttempts: 3, backfillConnections: 2 },
      now: () => new Date(),
      signal: new AbortController().signal,
      sleep: async () => undefined,
      onProgress: () => {
        if (killed || sessions.length < 2) return;
        killed = true;
        // the session of the second range, killed on the server as a failover or a DBA would
        void db.pool.query(`KILL CONNECTION ${Number(sessions[1]?.connectionId)}`);
      },
    });
    expect(killed).toBe(true);
    expect(result.status, result.message).toBe('ok');
    expect(sessions.length).toBeGreaterThan(2); // a second attempt opened its own sessions
    expect([...new Set(await idsInFiles(t))]).toEqual(oneTo(20_000));
  });

  it('a failing range stops the run, the progress of every range is kept, and the rerun loses nothing', async () => {
    // zero_date: fail, and a zero date in the last range only
    const t = await slicedTable('sliced_fail', 100, { zeroDate: 'fail' });
    await db.query(
      "SET SESSION sql_mode = ''; UPDATE sliced_fail SET reviewed_at = '0000-00-00 00:00:00' WHERE review_id = 95",
    );
    const [failed] = await run([t], { backfillConnections: 2, chunkRows: 7 });
    expect(failed?.status).toBe('failed');
    expect(failed?.message).toContain('zero');
    const store = new S3ObjectStore(s3.client, s3.bucket);
    const slices = (await loadState(store, stateKey(t))).state.backfill?.slices ?? [];
    expect(slices.map((s) => [s.after, s.through])).toEqual([
      [null, ['50']],
      [['50'], null],
    ]);

    await db.query("UPDATE sliced_fail SET reviewed_at = '2024-05-02 00:00:00' WHERE review_id = 95");
    const [rerun] = await run([t], { backfillConnections: 2, chunkRows: 7 });
    expect(rerun?.status, rerun?.message).toBe('ok');
    expect(rerun?.mode).toBe('backfill');
    expect([...new Set(await idsInFiles(t))]).toEqual(oneTo(100));
    expect((await loadState(store, stateKey(t))).state.watermark).not.toBeNull();
  });

  it('a failed run reports the rows and files it uploaded before the failure', async () => {
    const t = await slicedTable('partial_fail', 20_000, { zeroDate: 'fail' });
    await db.query(
      "SET SESSION sql_mode = ''; UPDATE partial_fail SET reviewed_at = '0000-00-00 00:00:00' WHERE review_id = 19990",
    );
    // one connection in key order, small files (closed at each 256 KiB batch): the rows before 19990 are
    // uploaded in several files before that row fails
    const [failed] = await run([t], { backfillConnections: 1, chunkRows: 2000, targetFileBytes: 300 });
    expect(failed?.status).toBe('failed');
    const store = new S3ObjectStore(s3.client, s3.bucket);
    const files = await store.list(t.dataKeyPrefix);
    expect(files.length).toBeGreaterThan(1);
    expect(failed?.files).toBe(files.length);
    expect(failed?.rows).toBe((await idsInFiles(t)).length);
    expect(failed?.compressedBytes).toBe(files.reduce((n, f) => n + f.size, 0));
  });
});

describe('two extractors on one table', () => {
  it('only one runs; the other reports the table as locked', async () => {
    const reviews = table('book_reviews');
    const [a, b] = await Promise.all([run([reviews]), run([reviews])]);
    const statuses = [a?.[0]?.status, b?.[0]?.status].sort();
    expect(statuses).toEqual(['locked', 'ok']);
  });
});

describe('schema drift', () => {
  it('fails the table with a message naming the column and what to do; other tables still run', async () => {
    await db.query('ALTER TABLE book_reviews MODIFY rating SMALLINT NOT NULL');
    const results = await run([table('book_reviews'), table('books')]);
    expect(results[0]?.status).toBe('failed');
    expect(results[0]?.message).toContain('column rating is smallint(6) in MySQL but tinyint in');
    expect(results[0]?.message).toContain('snowstage generate');
    expect(results[1]?.status).toBe('ok');
    await db.query('ALTER TABLE book_reviews MODIFY rating TINYINT NOT NULL');
  });
});

/** Polls a one-row `ok` query on the test database until it is true: waits on MySQL's clock, not a fixed time. */
async function waitForMysql(sql: string, params: unknown[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [rows] = (await db.pool.query(sql, params)) as unknown as [{ ok: number | null }[]];
    if (Number(rows[0]?.ok) === 1) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${sql}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
