/**
 * Attacks on the extractor through the data it reads and the state it keeps (issue 14), against real MariaDB
 * servers (a private one in the mode under attack) and s3rver.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import mysql, { type Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractAll } from '../../src/extract/extract-all.js';
import type { ExtractSettings, TableRunResult } from '../../src/extract/run-table.js';
import { S3ObjectStore } from '../../src/extract/s3-store.js';
import type { PipelineModel, TableModel } from '../../src/model/types.js';
import { createTestDatabase, type TestDatabase } from '../support/mysql.js';
import { loadTestModel, pipelineEnv } from '../support/pipeline.js';
import { type PrivateMariadb, startPrivateMariadb } from '../support/private-mariadb.js';
import { startTestS3, type TestS3 } from '../support/s3.js';

const settings: ExtractSettings = {
  chunkRows: 100,
  targetFileBytes: 64 * 1024 * 1024,
  gzipLevel: 1,
  leaseTtlMs: 30_000,
  owner: 'test',
  maxAttempts: 1,
};

const ACCOUNTS_DDL =
  'CREATE TABLE accounts (code VARCHAR(255) NOT NULL PRIMARY KEY, note VARCHAR(100), updated_at DATETIME(6) NOT NULL) CHARACTER SET utf8mb4';

async function run(
  model: PipelineModel,
  s3: TestS3,
  tables: readonly TableModel[] = model.tables,
  extra: Partial<ExtractSettings> = {},
): Promise<TableRunResult[]> {
  const store = new S3ObjectStore(s3.client, s3.bucket);
  return extractAll({
    model,
    tables,
    dataStore: store,
    stateStore: store,
    env: {},
    settings: { ...settings, ...extra },
    signal: new AbortController().signal,
  });
}

/** Every data file of the bucket, decompressed, as one text. */
async function allDataText(s3: TestS3, prefix: string): Promise<string> {
  const store = new S3ObjectStore(s3.client, s3.bucket);
  const { gunzipSync } = await import('node:zlib');
  let text = '';
  for (const { key } of await store.list(prefix)) {
    if (!key.endsWith('.csv.gz')) continue;
    const object = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
    const bytes = await (
      object.Body as { transformToByteArray(): Promise<Uint8Array> }
    ).transformToByteArray();
    text += gunzipSync(bytes).toString('utf8');
  }
  return text;
}

/** A database on a private server, in the shape TestDatabase has, for pipelineEnv. */
async function privateDatabase(
  server: PrivateMariadb,
  name: string,
): Promise<{ db: TestDatabase; conn: Connection }> {
  const conn = await mysql.createConnection({ ...server.target, charset: 'UTF8MB4_BIN' });
  await conn.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4`);
  await conn.query(`USE ${name}`);
  const db = { target: server.target, database: name } as TestDatabase;
  return { db, conn };
}

describe('SQL injection through row data on a server with sql_mode NO_BACKSLASH_ESCAPES', () => {
  let server: PrivateMariadb;
  let s3: TestS3;
  let conn: Connection;
  let model: PipelineModel;

  beforeAll(async () => {
    server = await startPrivateMariadb({ sqlMode: 'NO_BACKSLASH_ESCAPES' });
    const made = await privateDatabase(server, 'victim');
    conn = made.conn;
    await conn.query(ACCOUNTS_DDL);
    await conn.query('CREATE TABLE secrets (token VARCHAR(100) NOT NULL)');
    await conn.query("INSERT INTO secrets VALUES ('TOP-SECRET-ALPHA'), ('TOP-SECRET-BETA')");
    await conn.query("INSERT INTO accounts VALUES ('a1', 'plain', NOW(6)), ('a2', 'plain', NOW(6))");
    s3 = await startTestS3();
    model = await loadTestModel('test/fixtures/security-metadata', pipelineEnv(made.db, s3));
  });

  afterAll(async () => {
    await conn?.end();
    await server?.stop();
    await s3?.close();
  });

  it('never copies rows of another table into the files, whatever a primary-key value holds', async () => {
    // Client-side escaping writes ' as \' — a backslash is no escape in this mode, so the quote would end the
    // string. The payload closes the keyset predicate's three parentheses and UNIONs in a ready-made CSV line
    // (hex literals: any quote in the payload would be escaped the same way).
    const line = Buffer.from('","2000-01-01 00:00:00.000000","stolen","U"\n').toString('hex');
    const payload = `z'))) UNION SELECT CONCAT(0x22, token, 0x${line}) FROM secrets -- `;
    expect(payload.length).toBeLessThanOrEqual(255);

    const [first] = await run(model, s3); // initial load
    expect(first?.status, first?.message).toBe('ok');
    // a server-side prepared statement stores the value byte for byte
    await conn.execute('INSERT INTO accounts VALUES (?, ?, NOW(6))', [payload, 'crafted']);
    const [second] = await run(model, s3); // the crafted row is the last one read: its key becomes the watermark
    expect(second?.status, second?.message).toBe('ok');
    expect(second?.rows).toBe(1);
    await conn.query("UPDATE accounts SET note = 'changed', updated_at = NOW(6) WHERE code = 'a1'");
    const [third] = await run(model, s3); // binds the watermark key into its query
    expect(third?.status, third?.message).toBe('ok');

    const text = await allDataText(s3, 'sec/data/');
    expect(text).toContain('"changed"');
    expect(text).toContain('"crafted"');
    expect(text).not.toContain('TOP-SECRET');
    expect(third?.rows).toBe(1);
  });
});

describe('MySQL sessions are bounded', () => {
  let db: TestDatabase;
  let s3: TestS3;
  let model: PipelineModel;

  beforeAll(async () => {
    db = await createTestDatabase('security_bounds');
    await db.query(ACCOUNTS_DDL);
    await db.query("INSERT INTO accounts VALUES ('a1', 'plain', NOW(6))");
    s3 = await startTestS3();
    model = await loadTestModel('test/fixtures/security-metadata', pipelineEnv(db, s3));
  });

  afterAll(async () => {
    await db?.drop();
    await s3?.close();
  });

  /** Runs the extraction while another session holds LOCK TABLES accounts WRITE. */
  async function runBehindLock(limits: { lockWaitTimeoutSeconds: number; statementTimeoutSeconds: number }) {
    const locker = await mysql.createConnection({ ...db.target, database: db.database });
    try {
      await locker.query('LOCK TABLES accounts WRITE');
      const started = Date.now();
      const [result] = await run(model, s3, model.tables, { sessionLimits: limits });
      return { result, seconds: (Date.now() - started) / 1000 };
    } finally {
      await locker.query('UNLOCK TABLES');
      await locker.end();
    }
  }

  it('fails the table within the lock wait timeout, saying so, when another session holds LOCK TABLES', async () => {
    const { result, seconds } = await runBehindLock({
      lockWaitTimeoutSeconds: 1,
      statementTimeoutSeconds: 0,
    });
    expect(result?.status).toBe('failed');
    expect(result?.message).toContain('lock wait timeout (1 s)');
    expect(result?.message).toContain('--mysql-lock-wait-seconds');
    expect(seconds).toBeLessThan(20);
  });

  it('stops a statement at the statement timeout (MariaDB max_statement_time), saying so', async () => {
    const { result, seconds } = await runBehindLock({
      lockWaitTimeoutSeconds: 3600,
      statementTimeoutSeconds: 1,
    });
    expect(result?.status).toBe('failed');
    expect(result?.message).toContain('statement timeout (1 s)');
    expect(result?.message).toContain('--mysql-statement-timeout-seconds');
    expect(seconds).toBeLessThan(20);
  });

  it('reads normally once the lock is gone', async () => {
    const [result] = await run(model, s3);
    expect(result?.status, result?.message).toBe('ok');
    expect(result?.rows).toBe(1);
  });
});
