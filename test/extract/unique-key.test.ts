/**
 * Keys that are really unique: keyset pagination over a primary_key MySQL does not enforce loses rows (five rows
 * sharing one key, read two per chunk, came out as two). The extractor refuses such a table before reading, and
 * warns (without failing) when the cursor has no index. Real MariaDB and s3rver.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractAll } from '../../src/extract/extract-all.js';
import type { ExtractSettings, TableRunResult } from '../../src/extract/run-table.js';
import { S3ObjectStore } from '../../src/extract/s3-store.js';
import type { PipelineModel, TableModel } from '../../src/model/types.js';
import { createTestDatabase, type TestDatabase } from '../support/mysql.js';
import { loadTestModel, pipelineEnv, ROOT } from '../support/pipeline.js';
import { startTestS3, type TestS3 } from '../support/s3.js';

let db: TestDatabase;
let s3: TestS3;
let model: PipelineModel;

const settings: ExtractSettings = {
  chunkRows: 2,
  targetFileBytes: 64 * 1024 * 1024,
  gzipLevel: 1,
  leaseTtlMs: 30_000,
  owner: 'test',
  maxAttempts: 1,
};

beforeAll(async () => {
  db = await createTestDatabase('unique_key');
  await db.runSqlFile(`${ROOT}test/fixtures/bookstore.sql`);
  s3 = await startTestS3();
  model = await loadTestModel('metadata', pipelineEnv(db, s3));
});

afterAll(async () => {
  await db?.drop();
  await s3?.close();
});

/** book_reviews' metadata over `CREATE TABLE name LIKE book_reviews` changed by `alter`, with five rows of key 1. */
async function reviewsCopy(name: string, alter: string): Promise<TableModel> {
  await db.query(`CREATE TABLE ${name} LIKE book_reviews`);
  if (alter) await db.query(`ALTER TABLE ${name} ${alter}`);
  for (let n = 1; n <= 5; n++) {
    await db.query(
      `INSERT INTO ${name} (review_id, book_id, reviewer, rating, updated_at) VALUES (?, 1, ?, 3, '2024-05-01 00:00:0${n}')`,
      [name.endsWith('_dup') ? 1 : n, `r${n}`],
    );
  }
  const base = model.tables.find((t) => t.name === 'book_reviews');
  if (!base) throw new Error('book_reviews');
  const prefix = (p: string) => p.replace(/book_reviews\/$/, `${name}/`);
  return {
    ...base,
    sourceTable: name,
    stateKeyPrefix: prefix(base.stateKeyPrefix),
    dataKeyPrefix: prefix(base.dataKeyPrefix),
    commitLagSeconds: 0,
  };
}

async function extract(table: TableModel): Promise<TableRunResult> {
  const store = new S3ObjectStore(s3.client, s3.bucket);
  const [result] = await extractAll({
    model,
    tables: [table],
    dataStore: store,
    stateStore: store,
    env: { MYSQL_PASSWORD: db.target.password },
    settings,
    signal: new AbortController().signal,
  });
  if (!result) throw new Error('no result');
  return result;
}

async function dataFiles(table: TableModel): Promise<number> {
  return (await new S3ObjectStore(s3.client, s3.bucket).list(table.dataKeyPrefix)).length;
}

describe('a declared key MySQL does not keep unique is refused before anything is read', () => {
  it('five rows sharing review_id (no unique index), read two per chunk: refused, no file, says why and what to do', async () => {
    const table = await reviewsCopy(
      'reviews_dup',
      'DROP INDEX review_id, MODIFY review_id BIGINT UNSIGNED NOT NULL',
    );
    const result = await extract(table);
    expect(result.status).toBe('failed');
    expect(result.rows).toBe(0);
    expect(result.message).toContain(
      'primary_key [review_id] in metadata/tables/book_reviews.yaml is not enforced as unique by MySQL table reviews_dup: no PRIMARY KEY or UNIQUE index of MySQL covers only these columns',
    );
    expect(result.message).toContain('Add a PRIMARY KEY or UNIQUE index on NOT NULL columns in MySQL');
    expect(await dataFiles(table)).toBe(0);
  });

  it('a UNIQUE index over a NULL-able key column is refused (UNIQUE allows many NULLs)', async () => {
    const table = await reviewsCopy('reviews_nullable', 'MODIFY review_id BIGINT UNSIGNED NULL');
    const result = await extract(table);
    expect(result.status).toBe('failed');
    expect(result.message).toContain('reviews_nullable: review_id is NULL-able');
  });

  it('a UNIQUE index over a prefix of a text key is refused (whole values may repeat)', async () => {
    const table = await reviewsCopy('reviews_prefix', 'ADD UNIQUE INDEX reviewer_prefix (reviewer(2))');
    const result = await extract({
      ...table,
      primaryKey: table.columns.filter((c) => c.source === 'reviewer'),
    });
    expect(result.status).toBe('failed');
    expect(result.message).toContain('its unique index reviewer_prefix covers only a prefix of a column');
  });

  it('a composite key containing a unique column is unique: extracted, every row', async () => {
    const table = await reviewsCopy('reviews_composite', '');
    const key = ['review_id', 'book_id'].map((n) => table.columns.find((c) => c.source === n));
    const result = await extract({ ...table, primaryKey: key.filter((c) => c !== undefined) });
    expect(result.status, result.message).toBe('ok');
    expect(result.rows).toBe(5);
    expect(result.warnings).toBeUndefined();
  });
});

describe('a cursor without an index', () => {
  it('still extracts, with a warning in the run summary that every run scans the table', async () => {
    const table = await reviewsCopy('reviews_scan', 'DROP INDEX reviews_cursor');
    const result = await extract(table);
    expect(result.status, result.message).toBe('ok');
    expect(result.rows).toBe(5);
    expect(result.warnings).toEqual([
      'cursor updated_at of MySQL table reviews_scan is not the first column of any index, so every run scans the whole table; add an index on (updated_at, review_id)',
    ]);
  });
});
