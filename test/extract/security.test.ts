/**
 * Attacks on the extractor through the data it reads and the state it keeps (issue 14), against real MariaDB
 * servers (a private one in the mode under attack) and s3rver.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import mysql, { type Connection } from 'mysql2/promise';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { extractAll } from '../../src/extract/extract-all.js';
import { stateKey } from '../../src/extract/naming.js';
import type { ExtractSettings, TableRunResult } from '../../src/extract/run-table.js';
import { S3ObjectStore } from '../../src/extract/s3-store.js';
import { loadState, type TableState } from '../../src/extract/state.js';
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

const LEDGER_DDL =
  'CREATE TABLE ledger (id INT NOT NULL PRIMARY KEY, amount DECIMAL(10,2), updated_at DATETIME(6) NOT NULL)';

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

const accountsOnly = (model: PipelineModel) => model.tables.filter((t) => t.name === 'accounts');

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

    const accounts = model.tables.filter((t) => t.name === 'accounts');
    const [first] = await run(model, s3, accounts); // initial load
    expect(first?.status, first?.message).toBe('ok');
    // a server-side prepared statement stores the value byte for byte
    await conn.execute('INSERT INTO accounts VALUES (?, ?, NOW(6))', [payload, 'crafted']);
    const [second] = await run(model, s3, accounts); // the crafted row is the last one read: its key becomes the watermark
    expect(second?.status, second?.message).toBe('ok');
    expect(second?.rows).toBe(1);
    await conn.query("UPDATE accounts SET note = 'changed', updated_at = NOW(6) WHERE code = 'a1'");
    const [third] = await run(model, s3, accounts); // binds the watermark key into its query
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
      const [result] = await run(model, s3, accountsOnly(model), { sessionLimits: limits });
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
    const [result] = await run(model, s3, accountsOnly(model));
    expect(result?.status, result?.message).toBe('ok');
    expect(result?.rows).toBe(1);
  });
});

describe('tampered or foreign state is refused, naming the file, before anything is read', () => {
  let db: TestDatabase;
  let s3: TestS3;
  let model: PipelineModel;
  let store: S3ObjectStore;

  beforeAll(async () => {
    db = await createTestDatabase('security_state');
    await db.query(ACCOUNTS_DDL);
    await db.query(LEDGER_DDL);
    await db.query("INSERT INTO accounts VALUES ('a1', 'plain', NOW(6)), ('a2', 'plain', NOW(6))");
    const ids = Array.from({ length: 400 }, (_, i) => i + 1);
    await db.query(`INSERT INTO ledger VALUES ${ids.map((id) => `(${id}, ${id / 10}, NOW(6))`).join(', ')}`);
    s3 = await startTestS3();
    store = new S3ObjectStore(s3.client, s3.bucket);
  });

  // Each test under a prefix of its own: s3rver can lose an object written right after its folder was emptied.
  let prefixes = 0;
  beforeEach(async () => {
    const env = { ...pipelineEnv(db, s3), S3_PREFIX: `state${++prefixes}/` };
    model = await loadTestModel('test/fixtures/security-metadata', env);
  });

  afterAll(async () => {
    await db?.drop();
    await s3?.close();
  });

  const tableOf = (name: string): TableModel => {
    const found = model.tables.find((t) => t.name === name);
    if (!found) throw new Error(name);
    return found;
  };

  /** A real state for the table: one full extraction (each test has its own prefix, so it is the first). */
  async function freshState(name: string, extra: Partial<ExtractSettings> = {}): Promise<TableState> {
    const t = tableOf(name);
    const [result] = await run(model, s3, [t], extra);
    expect(result?.status, result?.message).toBe('ok');
    return (await loadState(store, stateKey(t), t.name)).state;
  }

  async function writeState(name: string, state: unknown): Promise<void> {
    await store.putText(stateKey(tableOf(name)), `${JSON.stringify(state, null, 2)}\n`);
  }

  /** Runs the table against tampered state: it must fail naming the file, read nothing, and leave the file as is. */
  async function expectRefused(
    name: string,
    state: unknown,
    reason: string,
    pipeline: PipelineModel = model,
  ) {
    await writeState(name, state);
    const t = tableOf(name);
    const before = await store.getText(stateKey(t));
    const filesBefore = (await store.list(t.dataKeyPrefix)).length;
    const [result] = await run(pipeline, s3, [t]);
    expect(result?.status, result?.message).toBe('failed');
    expect(result?.message).toContain(`${store.description}/${stateKey(t)}`);
    expect(result?.message).toContain(reason);
    expect(result?.rows).toBe(0);
    expect((await store.list(t.dataKeyPrefix)).length).toBe(filesBefore);
    expect((await store.getText(stateKey(t)))?.body).toBe(before?.body);
  }

  it('records the pipeline and the source table in state', async () => {
    const state = await freshState('accounts');
    expect(state.identity).toEqual({
      pipeline: 'security_tests',
      source: { host: db.target.host, port: db.target.port, database: db.database, table: 'accounts' },
    });
  });

  it('refuses a watermark after the source clock', async () => {
    const state = await freshState('accounts');
    const watermark = { cursor: '2999-01-01 00:00:00.000000', key: ['a2'] };
    await expectRefused(
      'accounts',
      { ...state, watermark },
      'watermark.cursor "2999-01-01 00:00:00.000000" lies after the source\'s current time',
    );
  });

  it('refuses an impossible date (MySQL would read it as NULL, and every run would read nothing)', async () => {
    const state = await freshState('accounts');
    const watermark = { cursor: '2024-02-30 00:00:00.000000', key: ['a2'] };
    await expectRefused('accounts', { ...state, watermark }, 'is not a real date and time');
  });

  it('refuses a backfill whose ranges are marked done with an upper cursor in the future', async () => {
    await freshState('ledger', { backfillConnections: 2, chunkRows: 50 });
    const state = (await loadState(store, stateKey(tableOf('ledger')), 'ledger')).state;
    const backfill = {
      upperCursor: '2999-01-01 00:00:00.000000',
      lastKey: null,
      startedAt: '2026-01-01T00:00:00.000Z',
      runId: 'tampered',
      slices: [
        { after: null, through: ['200'], lastKey: ['200'], done: true },
        { after: ['200'], through: null, lastKey: null, done: true },
      ],
    };
    await expectRefused('ledger', { ...state, watermark: null, backfill }, 'backfill.upperCursor');
  });

  it('refuses backfill ranges with a gap between them', async () => {
    const state = await freshState('ledger');
    const backfill = {
      upperCursor: state.watermark?.cursor ?? null,
      lastKey: null,
      startedAt: '2026-01-01T00:00:00.000Z',
      runId: 'tampered',
      slices: [
        { after: null, through: ['100'], lastKey: null, done: false },
        { after: ['300'], through: null, lastKey: null, done: false },
      ],
    };
    await expectRefused('ledger', { ...state, watermark: null, backfill }, 'no gap between ranges');
  });

  it("refuses another table's state", async () => {
    const state = await freshState('accounts');
    await freshState('ledger');
    await expectRefused('ledger', state, 'belongs to table "accounts", not "ledger"');
  });

  it("refuses another pipeline's state in the same bucket and prefix", async () => {
    const state = await freshState('accounts');
    await expectRefused('accounts', state, 'belongs to pipeline "security_tests", not "other"', {
      ...model,
      name: 'other',
    });
  });

  it('refuses state written reading another source database or table', async () => {
    const state = await freshState('accounts');
    const identity = { ...state.identity, source: { ...state.identity?.source, database: 'elsewhere' } };
    await expectRefused('accounts', { ...state, identity }, `/elsewhere.accounts, this run reads`);
  });

  it('adopts state written before identities were recorded, and records the identity', async () => {
    const state = await freshState('accounts');
    const { identity: _, ...legacy } = state;
    await writeState('accounts', legacy);
    const [result] = await run(model, s3, [tableOf('accounts')]);
    expect(result?.status, result?.message).toBe('ok');
    expect((await loadState(store, stateKey(tableOf('accounts')), 'accounts')).state.identity).toEqual(
      state.identity,
    );
  });
});

describe("values beyond Snowflake's limits", () => {
  let server: PrivateMariadb;
  let s3: TestS3;
  let conn: Connection;
  let model: PipelineModel;

  beforeAll(async () => {
    // room for one 64 MB value in a packet (the shared server keeps the 16 MB default)
    server = await startPrivateMariadb({ args: ['--max-allowed-packet=256M'] });
    const made = await privateDatabase(server, 'large');
    conn = made.conn;
    await conn.query(
      'CREATE TABLE blobs (id INT NOT NULL PRIMARY KEY, updated_at DATETIME(6) NOT NULL, payload LONGBLOB)',
    );
    s3 = await startTestS3();
    model = await loadTestModel('test/fixtures/security-metadata', pipelineEnv(made.db, s3));
  });

  afterAll(async () => {
    await conn?.end();
    await server?.stop();
    await s3?.close();
  });

  it('fails the table naming the key and the column of a LONGBLOB larger than its BINARY target', async () => {
    await conn.query("INSERT INTO blobs VALUES (1, NOW(6), 'small'), (7, NOW(6), REPEAT('a', 67108865))");
    const blobs = model.tables.filter((t) => t.name === 'blobs');
    const [result] = await run(model, s3, blobs);
    expect(result?.status).toBe('failed');
    expect(result?.message).toContain('blobs: column payload of the row with key (7) is 67108865 bytes');
    expect(result?.message).toContain('BINARY(67108864)');
    const store = new S3ObjectStore(s3.client, s3.bucket);
    expect(await store.list('sec/data/')).toEqual([]);
    // the largest value that fits goes through
    await conn.query("UPDATE blobs SET payload = REPEAT('a', 67108864) WHERE id = 7");
    const [fits] = await run(model, s3, blobs);
    expect(fits?.status, fits?.message).toBe('ok');
    expect(fits?.rows).toBe(2);
  }, 120_000);
});
