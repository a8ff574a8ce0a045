/**
 * The Lambda extraction handler invoked in-process, as Lambda would, with real-shaped EventBridge events against
 * real MariaDB and s3rver: files and state written, repeated / unrelated / malformed events harmless, and a
 * backfill stopped by the deadline that the next invocation finishes. The Lambda context is the one stand-in: its
 * remaining time is what the test says it is.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { stateKey } from '../../src/extract/naming.js';
import { S3ObjectStore } from '../../src/extract/s3-store.js';
import { loadState } from '../../src/extract/state.js';
import { createHandler, type ExtractSummary, handler, type LambdaContext } from '../../src/lambda/handler.js';
import type { PipelineModel, TableModel } from '../../src/model/types.js';
import { loadPipeline } from '../../src/pipeline.js';
import { readCsvGz } from '../support/csv.js';
import { startFakeSnowflake } from '../support/fake-snowflake.js';
import { createTestDatabase, type TestDatabase } from '../support/mysql.js';
import { pipelineEnv, ROOT } from '../support/pipeline.js';
import { startTestS3, type TestS3 } from '../support/s3.js';

let db: TestDatabase;
let s3: TestS3;
let metadataDir: string;
let model: PipelineModel;
let lambdaEnv: Record<string, string>;

/** The example metadata without commit lag and lookback, so rows changed by the test are extracted at once. */
async function writeMetadata(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'snowstage-lambda-'));
  await cp(join(ROOT, 'metadata'), dir, { recursive: true });
  const file = join(dir, 'pipeline.yaml');
  const text = (await readFile(file, 'utf8'))
    .replace('commit_lag_seconds: 60', 'commit_lag_seconds: 0')
    .replace('lookback_seconds: 300', 'lookback_seconds: 0');
  await writeFile(file, text);
  // books is loaded by the COPY loader (the bundle test sends it a books file); book_reviews keeps its pipe
  await writeFile(
    join(dir, 'tables/books.yaml'),
    `${await readFile(join(dir, 'tables/books.yaml'), 'utf8')}loader: lambda\n`,
  );
  return dir;
}

beforeAll(async () => {
  db = await createTestDatabase('lambda');
  await db.runSqlFile(`${ROOT}test/fixtures/bookstore.sql`);
  s3 = await startTestS3();
  metadataDir = await writeMetadata();
  const env = {
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...pipelineEnv(db, s3),
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
    SNOWSTAGE_METADATA_DIR: metadataDir,
    // small chunks and files: a few thousand rows make many files, so a deadline can fall between them
    SNOWSTAGE_CHUNK_ROWS: '50',
    SNOWSTAGE_FILE_SIZE_MB: '0.002',
    SNOWSTAGE_DEADLINE_MARGIN_SECONDS: '30',
  };
  // Lambda hands a function its settings and the role's keys as environment variables; so does this test.
  lambdaEnv = env;
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  vi.stubEnv('AWS_SESSION_TOKEN', '');
  const loaded = await loadPipeline({ dir: metadataDir, env, cwd: metadataDir });
  if (!loaded.model) throw new Error(JSON.stringify(loaded.diagnostics));
  model = loaded.model;
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await db?.drop();
  await s3?.close();
  if (metadataDir) await rm(metadataDir, { recursive: true, force: true });
});

let invocation = 0;
/** A Lambda context whose remaining time is whatever `remaining()` answers. */
function context(remaining: () => number = () => 900_000): LambdaContext {
  invocation += 1;
  return {
    functionName: 'snowstage-bookstore-extract',
    awsRequestId: `req-${invocation}`,
    getRemainingTimeInMillis: remaining,
  };
}

/** An EventBridge rule's scheduled event, as delivered (scheduler docs, "Scheduled Event"). */
function scheduledEvent(detail: object = {}): object {
  return {
    version: '0',
    id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time: '2026-11-30T07:00:00Z',
    region: 'us-east-1',
    resources: ['arn:aws:events:us-east-1:123456789012:rule/snowstage-bookstore'],
    detail,
  };
}

function table(name: string): TableModel {
  const found = model.tables.find((t) => t.name === name);
  if (!found) throw new Error(name);
  return found;
}

const store = () => new S3ObjectStore(s3.client, s3.bucket);
const dataKeys = async (t: TableModel) => (await store().list(t.dataKeyPrefix)).map((o) => o.key).sort();

async function records(keys: readonly string[]) {
  const out: Record<string, string | null>[] = [];
  for (const key of keys) {
    const object = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
    const body = object.Body as { transformToByteArray(): Promise<Uint8Array> };
    out.push(...readCsvGz(await body.transformToByteArray()).records);
  }
  return out;
}

async function count(sql: string): Promise<number> {
  const [[row]] = (await db.pool.query(sql)) as unknown as [[Record<string, number>]];
  return Number(Object.values(row ?? {})[0]);
}

const byTable = (summary: ExtractSummary, name: string) => summary.tables.find((t) => t.table === name);

describe('Lambda extraction handler', () => {
  it('a scheduled EventBridge event extracts every table into S3 and saves each state', async () => {
    const summary = await handler(scheduledEvent(), context());
    expect(summary.tables.map((t) => [t.table, t.status, t.mode])).toEqual([
      ['book_reviews', 'ok', 'backfill'],
      ['books', 'ok', 'backfill'],
    ]);
    expect(summary.notStarted).toEqual([]);
    expect(summary.stoppedForDeadline).toBe(false);
    const rows = await records(await dataKeys(table('books')));
    expect(new Set(rows.map((r) => r.BOOK_ID)).size).toBe(await count('SELECT COUNT(*) FROM books'));
    for (const name of ['books', 'book_reviews']) {
      const { state } = await loadState(store(), stateKey(table(name)));
      expect(state.watermark, name).not.toBeNull();
      expect(state.backfill, name).toBeNull();
    }
  });

  it('the same event again, and an empty one, do no harm: nothing new, no files', async () => {
    const before = await dataKeys(table('books'));
    for (const event of [scheduledEvent(), {}]) {
      const summary = await createHandler({ pollMs: 10 })(event, context());
      for (const t of summary.tables)
        expect([t.table, t.status, t.mode, t.rows, t.files]).toEqual([t.table, 'ok', 'incremental', 0, 0]);
    }
    expect(await dataKeys(table('books'))).toEqual(before);
  });

  it('a Scheduler Input naming one table extracts that table only, and exactly its changed rows', async () => {
    await db.query('UPDATE books SET price = 9.99 WHERE book_id = 3');
    const reviewsBefore = await dataKeys(table('book_reviews'));
    const booksBefore = await dataKeys(table('books'));
    const summary = await createHandler({ pollMs: 10 })({ command: 'extract', tables: ['books'] }, context());
    expect(summary.tables.map((t) => [t.table, t.status, t.rows])).toEqual([['books', 'ok', 1]]);
    expect(await dataKeys(table('book_reviews'))).toEqual(reviewsBefore);
    const added = (await dataKeys(table('books'))).filter((k) => !booksBefore.includes(k));
    expect((await records(added)).map((r) => [r.BOOK_ID, r.PRICE])).toEqual([['3', '9.99']]);
  });

  it.each([
    ['an S3 notification', { Records: [{ eventSource: 'aws:s3', s3: { object: { key: 'x' } } }] }, /S3\/SQS/],
    ['an SQS batch', { Records: [{ eventSource: 'aws:sqs', body: '{}' }] }, /S3\/SQS/],
    ['another command', { command: 'load' }, /expected "extract"/],
    ['an unknown key', { tables: ['books'], table_name: 'x' }, /"table_name"/],
    ['tables as a string', { tables: 'books' }, /expected a list of names/],
    ['an unknown table', { table: 'nope' }, /unknown table nope/],
    [
      'another EventBridge event',
      { ...scheduledEvent(), 'detail-type': 'Object Created' },
      /Scheduled Event/,
    ],
    ['no object', 'books', /expected an object/],
  ])('refuses %s before reading or writing anything', async (_, event, message) => {
    const before = await dataKeys(table('books'));
    const { state: stateBefore } = await loadState(store(), stateKey(table('books')));
    await expect(createHandler({ pollMs: 10 })(event, context())).rejects.toThrow(message);
    expect(await dataKeys(table('books'))).toEqual(before);
    expect((await loadState(store(), stateKey(table('books')))).state).toEqual(stateBefore);
  });

  it('stops a backfill at the deadline with state saved; the next invocation finishes it', async () => {
    // 5,000 more books with hard-to-compress titles: gzip emits output about every 16 KB, so a 2 KB target
    // closes a file at each flush, tens of files in all
    await db.query(
      `INSERT INTO books (title, updated_at)
       SELECT CONCAT(SHA2(x.n, 256), SHA2(x.n + 1e6, 256)), '2031-01-01 00:00:00' FROM (
         SELECT a.n + 10 * b.n + 100 * c.n + 1000 * d.n AS n
         FROM (${digits(10)}) a, (${digits(10)}) b, (${digits(10)}) c, (${digits(5)}) d) x`,
    );
    const before = new Set(await dataKeys(table('books')));
    const newKeys = async () => (await dataKeys(table('books'))).filter((k) => !before.has(k));
    // The deadline comes once the third file of the backfill is stored: s3rver reports each object as it stores
    // it. (Listing the bucket in a loop raced with the handler in this same process: on a busy machine the whole
    // backfill finished before the listing saw three files.)
    let remaining = 900_000;
    let stored = 0;
    const stopWatching = s3.onObjectCreated((key) => {
      if (key.startsWith(table('books').dataKeyPrefix) && key.endsWith('.csv.gz') && ++stored === 3) {
        remaining = 10_000;
      }
    });
    const first = await createHandler({ pollMs: 5 })(
      { tables: ['books'], backfill: true },
      context(() => remaining),
    ).finally(stopWatching);
    expect(first.stoppedForDeadline).toBe(true);
    expect(byTable(first, 'books')?.status).toBe('aborted');
    expect(byTable(first, 'books')?.message).toMatch(/before the Lambda timeout/);
    const afterFirst = await newKeys();
    expect(afterFirst.length).toBeGreaterThanOrEqual(3);
    const { state: stopped } = await loadState(store(), stateKey(table('books')));
    expect(stopped.backfill, 'a backfill stays in progress').not.toBeNull();

    const second = await createHandler({ pollMs: 5 })(scheduledEvent({ tables: ['books'] }), context());
    expect(byTable(second, 'books')).toMatchObject({
      status: 'ok',
      mode: 'backfill',
      backfillComplete: true,
    });
    expect(second.stoppedForDeadline).toBe(false);
    const total = await count('SELECT COUNT(*) FROM books');
    // it resumed: the second invocation did not read the table again from the start
    expect(byTable(second, 'books')?.rows).toBeLessThan(total);
    const ids = new Set((await records(await newKeys())).map((r) => r.BOOK_ID));
    expect(ids.size).toBe(total);
    const { state: done } = await loadState(store(), stateKey(table('books')));
    expect(done.backfill).toBeNull();
  }, 120_000);

  it('is the package export snowstage/lambda (built dist/), invoked with the role keys from the environment', async () => {
    if (!existsSync(join(ROOT, 'dist/lambda/handler.js')))
      throw new Error('dist/ is missing: run `npm run build` (npm test does)');
    const script = [
      "const { handler } = await import('snowstage/lambda');",
      'const context = { functionName: "f", awsRequestId: "r", getRemainingTimeInMillis: () => 900000 };',
      "console.log(JSON.stringify(await handler({ table: 'book_reviews' }, context)));",
    ].join('\n');
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...lambdaEnv },
    });
    const summary = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as ExtractSummary;
    expect(summary.tables.map((t) => [t.table, t.status])).toEqual([['book_reviews', 'ok']]);
  });

  it('runs from the esbuild bundle alone (npm run bundle:lambda), outside the repository', async () => {
    const out = await mkdtemp(join(tmpdir(), 'snowstage-bundle-'));
    try {
      const exec = promisify(execFile);
      await exec(process.execPath, [join(ROOT, 'scripts/bundle-lambda.mjs'), out, metadataDir], {
        cwd: ROOT,
      });
      // a comment the fast reader declines (`&` after `: `), so the bundle reads pipeline.yaml with `yaml`, which the
      // CLI loads only on first use (src/lazy-packages.ts) and the bundle must carry
      await appendFile(join(out, 'metadata/pipeline.yaml'), '# read by yaml: &not-an-anchor\n');
      await db.query('UPDATE book_reviews SET rating = 1 WHERE review_id = 1');
      const snowflake = await startFakeSnowflake();
      const dataKey = `${table('books').dataKeyPrefix}2026/11/30/new file.csv.gz`;
      const s3Event = {
        Records: [
          {
            eventSource: 'aws:s3',
            eventName: 'ObjectCreated:Put',
            s3: { bucket: { name: s3.bucket }, object: { key: dataKey.replace(' ', '+') } },
          },
        ],
      };
      const script = [
        `const { handler, loader } = await import(${JSON.stringify(join(out, 'app/lambda/index.mjs'))});`,
        'const context = { functionName: "f", awsRequestId: "r", getRemainingTimeInMillis: () => 900000 };',
        "console.log(JSON.stringify(await handler({ tables: ['book_reviews'] }, context)));",
        `console.log(JSON.stringify(await loader(${JSON.stringify(s3Event)})));`,
      ].join('\n');
      const env = {
        ...lambdaEnv,
        SNOWSTAGE_METADATA_DIR: '',
        LAMBDA_TASK_ROOT: out,
        SNOWFLAKE_ACCOUNT: 'testacct',
        SNOWFLAKE_USER: 'loader',
        SNOWFLAKE_PASSWORD: 'secret',
        SNOWFLAKE_ACCESS_URL: snowflake.accessUrl,
      };
      try {
        // run where no node_modules can be found: everything must be inside the bundle
        const { stdout } = await exec(process.execPath, ['--input-type=module', '-e', script], {
          cwd: out,
          env: { PATH: process.env.PATH ?? '', ...env },
        });
        // the functions log their summaries (with a "snowstage" key) and the script prints the returned ones
        const printed = stdout
          .trim()
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as Record<string, unknown>)
          .filter((value) => !('snowstage' in value));
        const [summary, loadSummary] = printed as [ExtractSummary, { objects: unknown[] }];
        expect(summary.tables.map((t) => [t.table, t.status, t.rows])).toEqual([['book_reviews', 'ok', 1]]);
        expect(loadSummary.objects).toHaveLength(1);
        expect(snowflake.statements.filter((s) => s.startsWith('COPY INTO'))).toHaveLength(1);
        expect(snowflake.statements.find((s) => s.startsWith('COPY INTO'))).toContain(
          "FILES = ('2026/11/30/new file.csv.gz')",
        );
      } finally {
        await snowflake.close();
      }
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 60_000);

  it('a deadline already inside the margin starts nothing and says so', async () => {
    const summary = await createHandler({ pollMs: 5 })(
      scheduledEvent(),
      context(() => 29_000),
    );
    expect(summary.tables).toEqual([]);
    expect(summary.notStarted).toEqual(['book_reviews', 'books']);
    expect(summary.stoppedForDeadline).toBe(true);
  });
});

function digits(n: number): string {
  return [...Array(n).keys()].map((i) => `SELECT ${i} AS n`).join(' UNION ALL ');
}
