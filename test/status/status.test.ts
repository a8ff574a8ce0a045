/**
 * `snowstage status` end to end: extractor state written to s3rver (or a local state directory), Snowflake
 * answers from the local fake through the real snowflake-sdk.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { LocalObjectStore } from '../../src/extract/local-store.js';
import { leaseKey, stateKey } from '../../src/extract/naming.js';
import { S3ObjectStore } from '../../src/extract/s3-store.js';
import { saveState, type TableState } from '../../src/extract/state.js';
import type { ObjectStore } from '../../src/extract/store.js';
import type { PipelineModel, TableModel } from '../../src/model/types.js';
import { loadPipeline } from '../../src/pipeline.js';
import type { StatusReport } from '../../src/status/types.js';
import { prepareWorkDir, runCommand } from '../apply/harness.js';
import {
  type FakeRule,
  type FakeSnowflake,
  LOGIN_FAILED,
  startFakeSnowflake,
} from '../support/fake-snowflake.js';
import { startTestS3, type TestS3 } from '../support/s3.js';

const PASSWORD = 'Sentinel-Status-Password-31337';
const NOW = new Date('2025-03-01T12:30:00.000Z');
const at = (iso: string) => String(Date.parse(iso));

let s3: TestS3;
let work: string;
let model: PipelineModel;
let fake: FakeSnowflake | undefined;

beforeAll(async () => {
  s3 = await startTestS3();
  work = await prepareWorkDir({ S3_BUCKET: s3.bucket });
  const loaded = await loadPipeline({
    dir: join(work, 'metadata'),
    env: { S3_BUCKET: s3.bucket },
    cwd: work,
  });
  if (!loaded.model) throw new Error(JSON.stringify(loaded.diagnostics));
  model = loaded.model;
  await saveState(new S3ObjectStore(s3.client, s3.bucket), stateKey(table('books')), booksState(), undefined);
});

afterAll(async () => {
  await s3?.close();
  await rm(work, { recursive: true, force: true });
});

beforeEach(() => {
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'S3RVER');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'S3RVER');
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await fake?.close();
  fake = undefined;
});

function table(name: string): TableModel {
  const found = model.tables.find((t) => t.name === name);
  if (!found) throw new Error(`no table ${name}`);
  return found;
}

function booksState(): TableState {
  return {
    version: 1,
    table: 'books',
    identity: null,
    watermark: { cursor: '2025-03-01 11:58:00.000000', key: ['42'] },
    backfill: null,
    lastRun: {
      runId: '20250301T120000Z-abc123',
      startedAt: '2025-03-01T12:00:00.000Z',
      finishedAt: '2025-03-01T12:00:05.000Z',
      lowerBound: null,
      upperBound: '2025-03-01 11:59:00.000000',
      rows: 1200,
      files: 2,
      bytes: 4096,
      manifest: 'bookstore/_snowstage/books/manifests/2025/03/01/20250301T120000Z-abc123.json',
    },
    totals: { runs: 3, rows: 5000, files: 7, bytes: 100_000 },
  };
}

/** One pipe's SYSTEM$PIPE_STATUS, as status asks table by table after a batch failed. */
const pipeStatus = (pipe: string, status: object): FakeRule => ({
  match: (sql) =>
    sql.includes('SYSTEM$PIPE_STATUS') && sql.includes(`"${pipe}"`) && !sql.includes('UNION ALL'),
  reply: { rows: [{ PIPE_STATUS: JSON.stringify(status) }] },
});

/** The batched statement: every table's pipe status in one statement, a row per table. */
const pipeStatuses = (byTable: Record<string, object>): FakeRule => ({
  match: (sql) => sql.includes('SYSTEM$PIPE_STATUS') && sql.includes('UNION ALL'),
  reply: {
    rows: Object.entries(byTable).map(([t, status]) => ({
      SNOWSTAGE_TABLE: t,
      PIPE_STATUS: JSON.stringify(status),
    })),
  },
});

const COPY_COLUMNS = [
  { name: 'SNOWSTAGE_TABLE' },
  { name: 'FILE_NAME' },
  { name: 'STATUS' },
  { name: 'ROW_COUNT', type: 'fixed' as const },
  { name: 'ERROR_COUNT', type: 'fixed' as const },
  { name: 'FIRST_ERROR_MESSAGE' },
  { name: 'LOADED_AT_MS', type: 'fixed' as const },
];

const tagged = (byTable: Record<string, Record<string, string | null>[]>) =>
  Object.entries(byTable).flatMap(([t, rows]) => rows.map((row) => ({ SNOWSTAGE_TABLE: t, ...row })));

/** One batched COPY_HISTORY statement for every table (both landing tables named in it). */
const copyHistories = (byTable: Record<string, Record<string, string | null>[]>): FakeRule => ({
  match: (sql) =>
    sql.includes('COPY_HISTORY') && sql.includes(`."BOOKS"'`) && sql.includes(`."BOOK_REVIEWS"'`),
  reply: { rows: tagged(byTable), columns: COPY_COLUMNS },
});

const TASK_COLUMNS = [
  { name: 'SNOWSTAGE_TABLE' },
  { name: 'STATE' },
  { name: 'ERROR_CODE' },
  { name: 'ERROR_MESSAGE' },
  { name: 'SCHEDULED_AT_MS', type: 'fixed' as const },
  { name: 'COMPLETED_AT_MS', type: 'fixed' as const },
];

/** One batched TASK_HISTORY statement for every MERGE task. */
const taskHistories = (byTable: Record<string, Record<string, string | null>[]>): FakeRule => ({
  match: (sql) =>
    sql.includes('TASK_HISTORY') && sql.includes(`'BOOKS_MERGE'`) && sql.includes(`'BOOK_REVIEWS_MERGE'`),
  reply: { rows: tagged(byTable), columns: TASK_COLUMNS },
});

const loaded = (file: string, when: string, rows = '100') => ({
  FILE_NAME: file,
  STATUS: 'Loaded',
  ROW_COUNT: rows,
  ERROR_COUNT: '0',
  FIRST_ERROR_MESSAGE: null,
  LOADED_AT_MS: at(when),
});

const succeeded = (when: string) => ({
  STATE: 'SUCCEEDED',
  ERROR_CODE: null,
  ERROR_MESSAGE: null,
  SCHEDULED_AT_MS: at(when),
  COMPLETED_AT_MS: at(when),
});

const showTask = (task: string, state: 'started' | 'suspended'): FakeRule => ({
  match: (sql) => sql === `SHOW TASKS LIKE '${task}' IN SCHEMA "ANALYTICS"."BOOKSTORE_RAW"`,
  reply: {
    columns: [{ name: 'name' }, { name: 'state' }],
    rows: [
      { name: `${task}X`, state: 'suspended' },
      { name: task, state },
    ],
  },
});

/** The merge lag query: rows waiting in the table's stream and the target's newest merge. */
const mergeLag = (
  stream: string,
  waiting: number,
  oldest: string | null,
  lastMerge: string | null,
): FakeRule => ({
  match: (sql) =>
    sql.includes(`FROM "ANALYTICS"."BOOKSTORE_RAW"."${stream}"`) && sql.includes('LAST_MERGE_MS'),
  reply: {
    columns: [
      { name: 'WAITING', type: 'fixed' },
      { name: 'OLDEST_MS', type: 'fixed' },
      { name: 'LAST_MERGE_MS', type: 'fixed' },
    ],
    rows: [
      {
        WAITING: String(waiting),
        OLDEST_MS: oldest === null ? null : at(oldest),
        LAST_MERGE_MS: lastMerge === null ? null : at(lastMerge),
      },
    ],
  },
});

/** SHOW TASKS once for the schema; a task whose name only starts like the table's (…X) is not taken for it. */
const showTasks = (states: Record<string, 'started' | 'suspended'>): FakeRule => ({
  match: (sql) => sql === 'SHOW TASKS IN SCHEMA "ANALYTICS"."BOOKSTORE_RAW"',
  reply: {
    columns: [{ name: 'name' }, { name: 'state' }],
    rows: Object.entries(states).flatMap(([task, state]) => [
      { name: `${task}X`, state: 'suspended' },
      { name: task, state },
    ]),
  },
});

type Lag = [waiting: number, oldest: string | null, lastMerge: string | null];

/** The merge lag of every table in one UNION ALL statement, each row labelled with its table. */
const mergeLags = (byTable: Record<string, Lag>): FakeRule => ({
  match: (sql) =>
    sql.includes('LAST_MERGE_MS') &&
    sql.includes('"BOOKS_STREAM"') &&
    sql.includes('"BOOK_REVIEWS_STREAM"') &&
    sql.includes('UNION ALL'),
  reply: {
    columns: [
      { name: 'SNOWSTAGE_TABLE' },
      { name: 'WAITING', type: 'fixed' },
      { name: 'OLDEST_MS', type: 'fixed' },
      { name: 'LAST_MERGE_MS', type: 'fixed' },
    ],
    rows: Object.entries(byTable).map(([t, [waiting, oldest, lastMerge]]) => ({
      SNOWSTAGE_TABLE: t,
      WAITING: String(waiting),
      OLDEST_MS: oldest === null ? null : at(oldest),
      LAST_MERGE_MS: lastMerge === null ? null : at(lastMerge),
    })),
  },
});

function healthyRules(): FakeRule[] {
  return [
    showTasks({ BOOKS_MERGE: 'started', BOOK_REVIEWS_MERGE: 'started' }),
    mergeLags({
      books: [12, '2025-03-01T12:20:00Z', '2025-03-01T12:25:00Z'],
      book_reviews: [0, null, null],
    }),
    pipeStatuses({
      books: {
        executionState: 'RUNNING',
        pendingFileCount: 0,
        lastIngestedTimestamp: '2025-03-01T12:10:00Z',
      },
      book_reviews: {
        executionState: 'RUNNING',
        pendingFileCount: 1,
        oldestPendingFilePath: 'book_reviews/x.csv.gz',
      },
    }),
    copyHistories({
      books: [
        loaded('books/b2.csv.gz', '2025-03-01T12:10:00Z', '700'),
        loaded('books/b1.csv.gz', '2025-03-01T12:05:00Z', '500'),
        loaded('books/b0.csv.gz', '2025-03-01T02:00:00Z', '3800'),
      ],
      book_reviews: [],
    }),
    showStreams([
      ['BOOKS_STREAM', false, '2025-03-15 12:25:00.000 +0000'],
      ['BOOK_REVIEWS_STREAM', false, '2025-03-15 12:00:00.000 +0000'],
    ]),
    taskHistories({
      books: [succeeded('2025-03-01T12:25:00Z'), succeeded('2025-03-01T12:20:00Z')],
      book_reviews: [],
    }),
  ];
}

function unhealthyRules(): FakeRule[] {
  return [
    showTasks({ BOOKS_MERGE: 'started', BOOK_REVIEWS_MERGE: 'started' }),
    mergeLags({ books: [0, null, '2025-03-01T12:25:00Z'], book_reviews: [0, null, null] }),
    pipeStatuses({
      books: { executionState: 'RUNNING', pendingFileCount: 0 },
      book_reviews: {
        executionState: 'STOPPED_STAGE_DROPPED',
        pendingFileCount: 4,
        error: 'Stage was dropped',
      },
    }),
    copyHistories({
      books: [
        {
          FILE_NAME: 'books/bad.csv.gz',
          STATUS: 'Load skipped',
          ROW_COUNT: '0',
          ERROR_COUNT: '1',
          FIRST_ERROR_MESSAGE: "Numeric value 'abc' is not recognized",
          LOADED_AT_MS: at('2025-03-01T09:00:00Z'),
        },
        loaded('books/b1.csv.gz', '2025-03-01T08:00:00Z'),
      ],
      book_reviews: [],
    }),
    showStreams([
      ['BOOKS_STREAM', true, '2025-02-27 12:00:00.000 +0000'],
      ['BOOK_REVIEWS_STREAM', false, null],
    ]),
    taskHistories({
      books: [
        {
          STATE: 'FAILED',
          ERROR_CODE: '100038',
          ERROR_MESSAGE: "Numeric value 'x' is not recognized",
          SCHEDULED_AT_MS: at('2025-03-01T12:25:00Z'),
          COMPLETED_AT_MS: at('2025-03-01T12:25:03Z'),
        },
      ],
      book_reviews: [],
    }),
  ];
}

const STREAM_COLUMNS = [{ name: 'name' }, { name: 'stale' }, { name: 'mode' }, { name: 'stale_after' }];

/** SHOW STREAMS once for the raw schema; streams with similar names must not be taken for a table's stream. */
const showStreams = (streams: [string, boolean, string | null][]): FakeRule => ({
  match: (sql) => sql === 'SHOW STREAMS IN SCHEMA "ANALYTICS"."BOOKSTORE_RAW"',
  reply: {
    columns: STREAM_COLUMNS,
    rows: streams.flatMap(([stream, stale, staleAfter]) => [
      { name: `${stream}X`, stale: 'true', mode: 'APPEND_ONLY', stale_after: null },
      { name: stream, stale: String(stale), mode: 'APPEND_ONLY', stale_after: staleAfter },
    ]),
  },
});

async function startFake(rules: FakeRule[], loginFailure = false): Promise<FakeSnowflake> {
  fake = await startFakeSnowflake({ rules, ...(loginFailure ? { loginFailure: LOGIN_FAILED } : {}) });
  return fake;
}

function env(extra: Record<string, string> = {}): Record<string, string> {
  return { S3_BUCKET: s3.bucket, AWS_ENDPOINT_URL_S3: s3.endpoint, AWS_REGION: 'us-east-1', ...extra };
}

function snowflakeEnv(server: FakeSnowflake): Record<string, string> {
  return env({
    SNOWFLAKE_ACCOUNT: 'testacct',
    SNOWFLAKE_USER: 'monitor',
    SNOWFLAKE_PASSWORD: PASSWORD,
    SNOWFLAKE_ACCESS_URL: server.accessUrl,
  });
}

const status = (args: string[], environment: Record<string, string>) =>
  runCommand(['status', ...args], { cwd: work, env: environment, statusDeps: { now: () => NOW } });

function tableOf(report: StatusReport, name: string) {
  const found = report.tables.find((t) => t.table === name);
  if (!found) throw new Error(`no table ${name} in report`);
  return found;
}

describe('status', () => {
  it('--json: extractor state from S3 plus pipe status, copy history and task runs; exit 0 when healthy', async () => {
    const server = await startFake(healthyRules());
    const run = await status(['--json'], snowflakeEnv(server));
    expect(run.stderr).toMatch(
      /^connecting to Snowflake: user \S+ on account \S+ at http:\/\/127\.0\.0\.1:\d+, [^\n]*\n$/,
    );
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as StatusReport;
    expect(report).toMatchObject({
      pipeline: 'bookstore',
      checkedAt: NOW.toISOString(),
      stateStore: `s3://${s3.bucket}`,
      snowflake: { state: 'checked' },
      healthy: true,
      problems: [],
    });
    const books = tableOf(report, 'books');
    expect(books.extractor).toEqual({
      ok: true,
      value: {
        watermark: { cursor: '2025-03-01 11:58:00.000000', key: ['42'] },
        lastRun: {
          runId: '20250301T120000Z-abc123',
          startedAt: '2025-03-01T12:00:00.000Z',
          finishedAt: '2025-03-01T12:00:05.000Z',
          rows: 1200,
          files: 2,
          bytes: 4096,
        },
        backfill: null,
        totals: { runs: 3, rows: 5000, files: 7, bytes: 100_000 },
        lease: null,
        lastAttempt: { ok: true, value: null },
      },
    });
    expect(books.snowflake?.task).toEqual({ ok: true, value: { name: 'BOOKS_MERGE', state: 'started' } });
    expect(books.snowflake?.lag).toEqual({
      ok: true,
      value: {
        waitingRows: 12,
        oldestWaitingAt: '2025-03-01T12:20:00.000Z',
        lastMergeAt: '2025-03-01T12:25:00.000Z',
      },
    });
    expect(books.snowflake?.pipe).toEqual({
      ok: true,
      value: {
        executionState: 'RUNNING',
        pendingFileCount: 0,
        lastIngestedTimestamp: '2025-03-01T12:10:00Z',
        oldestPendingFilePath: null,
        error: null,
      },
    });
    expect(books.snowflake?.loads).toEqual({
      ok: true,
      value: {
        lastHour: { files: 2, loaded: 2, failed: 0, inProgress: 0, rowsLoaded: 1200 },
        lastDay: { files: 3, loaded: 3, failed: 0, inProgress: 0, rowsLoaded: 5000 },
        latestError: null,
      },
    });
    expect(books.snowflake?.tasks).toMatchObject({
      ok: true,
      value: [{ state: 'SUCCEEDED', scheduledAt: '2025-03-01T12:25:00.000Z' }, {}],
    });
    const reviews = tableOf(report, 'book_reviews');
    expect(reviews.extractor).toMatchObject({ ok: true, value: { lastRun: null, watermark: null } });
    expect(reviews.notes).toEqual(['never extracted', 'no MERGE task run in the last 24 hours']);
    expect(books.snowflake?.stream).toEqual({
      ok: true,
      value: { stale: false, staleAfter: '2025-03-15 12:25:00.000 +0000' },
    });
    // one statement per kind of reading for the whole pipeline, not one per table: pipe status, copy history,
    // task history, merge lag, SHOW STREAMS and SHOW TASKS
    expect(server.statements).toHaveLength(6);
    const of = (word: string) => server.statements.filter((s) => s.includes(word));
    expect(of('SYSTEM$PIPE_STATUS')).toEqual([
      `SELECT 'book_reviews' AS SNOWSTAGE_TABLE, SYSTEM$PIPE_STATUS('"ANALYTICS"."BOOKSTORE_RAW"."BOOK_REVIEWS_PIPE"') AS PIPE_STATUS\nUNION ALL\nSELECT 'books' AS SNOWSTAGE_TABLE, SYSTEM$PIPE_STATUS('"ANALYTICS"."BOOKSTORE_RAW"."BOOKS_PIPE"') AS PIPE_STATUS`,
    ]);
    expect(of('COPY_HISTORY')).toHaveLength(1);
    expect(of('COPY_HISTORY')[0]?.match(/INFORMATION_SCHEMA\.COPY_HISTORY\(/g)).toHaveLength(2);
    expect(of('TASK_HISTORY')).toHaveLength(1);
    expect(of('TASK_HISTORY')[0]).toContain(
      'QUALIFY ROW_NUMBER() OVER (PARTITION BY SNOWSTAGE_TABLE ORDER BY SCHEDULED_AT_MS DESC) <= 5',
    );
    expect(of('SHOW STREAMS')).toEqual(['SHOW STREAMS IN SCHEMA "ANALYTICS"."BOOKSTORE_RAW"']);
    expect(of('SHOW TASKS')).toEqual(['SHOW TASKS IN SCHEMA "ANALYTICS"."BOOKSTORE_RAW"']);
    expect(of('LAST_MERGE_MS')).toHaveLength(1);
    expect(of('LAST_MERGE_MS')[0]?.match(/AS SNOWSTAGE_TABLE, w\.WAITING/g)).toHaveLength(2);
    expect(books.snowflake?.task).toEqual({ ok: true, value: { name: 'BOOKS_MERGE', state: 'started' } });
    expect(books.snowflake?.lag).toEqual({
      ok: true,
      value: {
        waitingRows: 12,
        oldestWaitingAt: '2025-03-01T12:20:00.000Z',
        lastMergeAt: '2025-03-01T12:25:00.000Z',
      },
    });
    expect(run.stdout).not.toContain(PASSWORD);
  });

  it('a snapshot table (mode: snapshot): no stream read or reported, no merge lag, its task state and last apply', async () => {
    const file = join(work, 'metadata/tables/currencies.yaml');
    await writeFile(
      file,
      'name: currencies\nsource_table: currencies\nmode: snapshot\nprimary_key: [code]\ncolumns:\n  - { name: code, type: char(3), nullable: false }\n',
    );
    try {
      const running = { executionState: 'RUNNING', pendingFileCount: 0 };
      // the first rule that matches answers: these batches (with currencies) before the healthy rules' ones
      const server = await startFake([
        pipeStatuses({ books: running, book_reviews: running, currencies: running }),
        showTasks({ BOOKS_MERGE: 'started', BOOK_REVIEWS_MERGE: 'started', CURRENCIES_MERGE: 'started' }),
        mergeLags({
          books: [0, null, null],
          book_reviews: [0, null, null],
          currencies: [0, null, '2025-03-01T12:00:00Z'],
        }),
        ...healthyRules(),
      ]);
      const run = await status(['--json'], snowflakeEnv(server));
      const report = JSON.parse(run.stdout) as StatusReport;
      const currencies = tableOf(report, 'currencies');
      expect(currencies.snowflake?.stream).toEqual({ ok: true, value: { stale: false, staleAfter: null } });
      expect(currencies.snowflake?.lag).toEqual({
        ok: true,
        value: { waitingRows: 0, oldestWaitingAt: null, lastMergeAt: '2025-03-01T12:00:00.000Z' },
      });
      expect(currencies.snowflake?.task).toEqual({
        ok: true,
        value: { name: 'CURRENCIES_MERGE', state: 'started' },
      });
      expect(currencies.problems).toEqual([]);
      expect(server.statements.filter((s) => s.includes('CURRENCIES_STREAM'))).toEqual([]);
    } finally {
      await rm(file);
    }
  });

  it('terminal: a readable table, notes, and the problems; exit 1 when a pipe stopped or loads failed', async () => {
    const server = await startFake(unhealthyRules());
    const run = await status([], snowflakeEnv(server));
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\n');
    const header = lines.find((l) => l.startsWith('TABLE'));
    expect(header).toMatch(
      /^TABLE +LAST EXTRACT +AGE +LAST ATTEMPT +ROWS +FILES +WATERMARK +PIPE +PENDING +LOADED 1h\/24h +FAILED 1h\/24h +TASK +LAST MERGE +WAITING +STREAM STALE AFTER$/,
    );
    const books = lines.find((l) => l.startsWith('books '));
    expect(books).toMatch(
      /^books +2025-03-01 12:00:05Z +29m +- +1200 +2 +2025-03-01 11:58:00\.000000 +RUNNING +0 +0\/1 +0\/1 +started +FAILED 2025-03-01 12:25:00Z +0 +STALE$/,
    );
    const reviews = lines.find((l) => l.startsWith('book_reviews '));
    expect(reviews).toMatch(
      /^book_reviews +never +- +- +- +- +- +STOPPED_STAGE_DROPPED +4 +0\/0 +0\/0 +started +none +0 +-$/,
    );
    expect(run.stdout).toContain('book_reviews: never extracted');
    expect(run.stdout).toContain('book_reviews: pipe is STOPPED_STAGE_DROPPED, not RUNNING');
    expect(run.stdout).toContain('book_reviews: pipe reports an error: Stage was dropped');
    expect(run.stdout).toContain(
      "books: 1 file failed to load in the last 24 hours; latest: books/bad.csv.gz: Numeric value 'abc' is not recognized",
    );
    expect(run.stdout).toContain(
      "books: last MERGE task run FAILED: 100038 Numeric value 'x' is not recognized",
    );
    expect(run.stdout).toContain('books: stream is stale: rows it had not handed to the MERGE are lost');
    expect(run.stdout).toContain('status: 5 problems');
    expect(run.stdout).not.toContain(PASSWORD);

    const json = JSON.parse((await status(['--json'], snowflakeEnv(server))).stdout) as StatusReport;
    expect(json.healthy).toBe(false);
    expect(json.problems).toHaveLength(5);
    expect(tableOf(json, 'books').snowflake?.loads).toMatchObject({
      ok: true,
      value: {
        latestError: { file: 'books/bad.csv.gz', status: 'Load skipped', at: '2025-03-01T09:00:00.000Z' },
      },
    });
  });

  it('without Snowflake credentials says so and shows the extractor side only (exit 0)', async () => {
    const server = await startFake(healthyRules());
    const run = await status([], env());
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Snowflake: not checked (no Snowflake credentials in the environment');
    expect(run.stdout).toContain('showing the extractor side only');
    expect(run.stdout).toMatch(/^TABLE +LAST EXTRACT +AGE +LAST ATTEMPT +ROWS +FILES +WATERMARK$/m);
    expect(run.stdout).toMatch(
      /^books +2025-03-01 12:00:05Z +29m +- +1200 +2 +2025-03-01 11:58:00\.000000$/m,
    );
    expect(server.requests).toEqual([]);
    const json = JSON.parse((await status(['--json'], env())).stdout) as StatusReport;
    expect(json.snowflake.state).toBe('not_configured');
    expect(json.tables.every((t) => t.snowflake === null)).toBe(true);
  });

  it('an account that does not answer: exit 1 after the connect timeout, with the target and the setting', async () => {
    const { createServer } = await import('node:http');
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    const server = { accessUrl: `http://127.0.0.1:${port}` } as FakeSnowflake;
    const run = await status(['--json'], { ...snowflakeEnv(server), SNOWFLAKE_CONNECT_TIMEOUT_SECONDS: '1' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `connecting to Snowflake: user monitor on account testacct at http://127.0.0.1:${port}`,
    );
    const report = JSON.parse(run.stdout) as StatusReport;
    expect(report.snowflake).toEqual({
      state: 'failed',
      error:
        `could not connect to Snowflake account testacct at http://127.0.0.1:${port}: no answer within 1 s ` +
        '(SNOWFLAKE_CONNECT_TIMEOUT_SECONDS); check SNOWFLAKE_ACCOUNT, SNOWFLAKE_ACCESS_URL and the network path to it',
    });
  });

  it('incomplete Snowflake settings or a failed login are problems (exit 1)', async () => {
    const partial = await status([], env({ SNOWFLAKE_ACCOUNT: 'testacct' }));
    expect(partial.code).toBe(1);
    expect(partial.stdout).toContain('Snowflake could not be checked: no Snowflake user: set SNOWFLAKE_USER');
    const server = await startFake([], true);
    const refused = await status(['--json'], snowflakeEnv(server));
    expect(refused.code).toBe(1);
    const report = JSON.parse(refused.stdout) as StatusReport;
    expect(report.snowflake).toEqual({
      state: 'failed',
      error: expect.stringMatching(
        /^Snowflake refused the login of user \S+ on Snowflake account \S+ at \S+ \(390100\): Incorrect username or password was specified\.$/,
      ),
    });
    expect(refused.stdout).not.toContain(PASSWORD);
  });

  it('keeps going when one query fails and reports it as a problem', async () => {
    const denied = {
      match: (sql: string) => sql.includes('TASK_HISTORY'),
      reply: {
        error: { code: '003001', sqlState: '42501', message: 'Insufficient privileges to operate on task.' },
      },
    };
    const server = await startFake([denied, ...healthyRules()]);
    const run = await status(['--json'], snowflakeEnv(server));
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as StatusReport;
    expect(tableOf(report, 'books').snowflake?.pipe?.ok).toBe(true);
    expect(tableOf(report, 'books').snowflake?.tasks).toMatchObject({
      ok: false,
      error: expect.stringContaining('Snowflake error 003001 (SQL state 42501): Insufficient privileges'),
    });
    expect(report.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^books: task history could not be read: Snowflake error 003001/),
      ]),
    );
  });

  it('a batch that fails (one pipe missing) is asked table by table, so the error lands on that table only', async () => {
    const missing: FakeRule = {
      match: (sql) => sql.includes('SYSTEM$PIPE_STATUS') && sql.includes('BOOK_REVIEWS_PIPE'),
      reply: {
        error: {
          code: '002003',
          sqlState: '02000',
          message: "Pipe 'ANALYTICS.BOOKSTORE_RAW.BOOK_REVIEWS_PIPE' does not exist or not authorized.",
        },
      },
    };
    const books = pipeStatus('BOOKS_PIPE', { executionState: 'RUNNING', pendingFileCount: 0 });
    const server = await startFake([missing, books, ...healthyRules()]);
    const run = await status(['--json'], snowflakeEnv(server));
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as StatusReport;
    expect(tableOf(report, 'books').snowflake?.pipe).toMatchObject({
      ok: true,
      value: { executionState: 'RUNNING' },
    });
    expect(tableOf(report, 'book_reviews').snowflake?.pipe).toMatchObject({
      ok: false,
      error: expect.stringContaining('BOOK_REVIEWS_PIPE'),
    });
    expect(tableOf(report, 'books').snowflake?.loads.ok).toBe(true);
    // the batch, then one statement per table; the other five readings stayed batched
    expect(server.statements.filter((s) => s.includes('SYSTEM$PIPE_STATUS'))).toHaveLength(3);
    expect(server.statements).toHaveLength(3 + 5);
  });

  it('SHOW TASKS IN SCHEMA refused and a merge lag batch failing (one stream missing) are asked table by table', async () => {
    const refused = (match: (sql: string) => boolean, message: string): FakeRule => ({
      match,
      reply: { error: { code: '002003', sqlState: '02000', message } },
    });
    const server = await startFake([
      refused(
        (sql) => sql.startsWith('SHOW TASKS IN SCHEMA'),
        'Insufficient privileges to operate on schema',
      ),
      refused(
        (sql) => sql.includes('LAST_MERGE_MS') && sql.includes('"BOOK_REVIEWS_STREAM"'),
        "Stream 'ANALYTICS.BOOKSTORE_RAW.BOOK_REVIEWS_STREAM' does not exist or not authorized.",
      ),
      showTask('BOOKS_MERGE', 'suspended'),
      showTask('BOOK_REVIEWS_MERGE', 'started'),
      mergeLag('BOOKS_STREAM', 5, '2025-03-01T12:20:00Z', '2025-03-01T12:25:00Z'),
      ...healthyRules(),
    ]);
    const run = await status(['--json'], snowflakeEnv(server));
    const report = JSON.parse(run.stdout) as StatusReport;
    const books = tableOf(report, 'books').snowflake;
    const reviews = tableOf(report, 'book_reviews').snowflake;
    expect(books?.task).toEqual({ ok: true, value: { name: 'BOOKS_MERGE', state: 'suspended' } });
    expect(reviews?.task).toEqual({ ok: true, value: { name: 'BOOK_REVIEWS_MERGE', state: 'started' } });
    expect(books?.lag).toMatchObject({ ok: true, value: { waitingRows: 5 } });
    expect(reviews?.lag).toMatchObject({ ok: false, error: expect.stringContaining('BOOK_REVIEWS_STREAM') });
    const of = (word: string) => server.statements.filter((s) => s.includes(word));
    // each batch, then one statement per table; the four other readings stayed batched
    expect(of('SHOW TASKS')).toHaveLength(1 + 2);
    expect(of('LAST_MERGE_MS')).toHaveLength(1 + 2);
    expect(server.statements).toHaveLength(2 * 3 + 4);
  });

  it('--state-dir reads extractor state from a local directory; a corrupt state file is a problem', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'snowstage-state-'));
    try {
      const store: ObjectStore = new LocalObjectStore(dir);
      await saveState(store, stateKey(table('books')), booksState(), undefined);
      await store.putText(stateKey(table('book_reviews')), '{"version": 1, "table": ');
      const run = await status(['--json', '--state-dir', dir], {});
      expect(run.code).toBe(1);
      const report = JSON.parse(run.stdout) as StatusReport;
      expect(report.stateStore).toMatch(/^file:\/\//);
      expect(tableOf(report, 'books').extractor).toMatchObject({
        ok: true,
        value: { lastRun: { rows: 1200 } },
      });
      expect(tableOf(report, 'book_reviews').extractor).toMatchObject({
        ok: false,
        error: expect.stringContaining('is not valid JSON'),
      });
      expect(report.problems).toEqual([
        expect.stringMatching(/^book_reviews: extractor state could not be read: state file:/),
      ]);
      const text = await status(['--state-dir', dir], {});
      expect(text.stdout).toMatch(/^book_reviews +unreadable/m);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("reports another pipeline's state and a stale or corrupt lease as problems (exit 1)", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'snowstage-state-'));
    try {
      const store: ObjectStore = new LocalObjectStore(dir);
      const foreign = {
        pipeline: 'someone_else',
        source: { host: 'db', port: 3306, database: 'shop', table: 'books' },
      };
      await saveState(store, stateKey(table('books')), { ...booksState(), identity: foreign }, undefined);
      const lease = (acquiredAt: string, expiresAt: string) =>
        JSON.stringify({ owner: 'host:7', runId: 'run-7', acquiredAt, expiresAt });
      // NOW is 12:30: held since 10:00 and still renewed
      await store.putText(
        leaseKey(table('books')),
        lease('2025-03-01T10:00:00.000Z', '2025-03-01T12:34:00.000Z'),
      );
      await saveState(
        store,
        stateKey(table('book_reviews')),
        { ...booksState(), table: 'book_reviews', watermark: null },
        undefined,
      );
      await store.putText(
        leaseKey(table('book_reviews')),
        lease('2025-03-01T12:00:00.000Z', '2026-03-01T12:00:00.000Z'),
      );
      const run = await status(['--json', '--state-dir', dir], {});
      expect(run.code).toBe(1);
      const report = JSON.parse(run.stdout) as StatusReport;
      expect(report.problems).toEqual([
        expect.stringMatching(
          /^book_reviews: lease file:.*lease\.json is corrupt: it expires at 2026-03-01T12:00:00\.000Z/,
        ),
        expect.stringMatching(
          /^books: extractor state could not be read: state file:.* cannot be used: it belongs to pipeline "someone_else", not "bookstore"/,
        ),
      ]);
      await saveState(
        store,
        stateKey(table('books')),
        booksState(),
        (await store.getText(stateKey(table('books'))))?.etag,
      );
      const stale = JSON.parse((await status(['--json', '--state-dir', dir], {})).stdout) as StatusReport;
      expect(tableOf(stale, 'books').extractor).toMatchObject({
        ok: true,
        value: { lease: { state: 'held', owner: 'host:7', heldMinutes: 150 } },
      });
      expect(stale.problems).toContain(
        'books: locked for 150 minutes by host:7 (run run-7), more than 60: every extract since found it locked; check that run is not stuck',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the conditions the alerts share: suspended task, rows waiting too long, stream near staleness (exit 1)', async () => {
    const server = await startFake([
      showTasks({ BOOKS_MERGE: 'suspended', BOOK_REVIEWS_MERGE: 'started' }),
      // NOW is 12:30: waiting since 10:00 is 150 minutes, more than the example's max_merge_lag_minutes (120)
      mergeLags({
        books: [340, '2025-03-01T10:00:00Z', '2025-03-01T09:55:00Z'],
        book_reviews: [0, null, '2025-02-01T00:00:00Z'],
      }),
      // 47 hours away, within the example's stream_stale_within_hours (48)
      showStreams([
        ['BOOKS_STREAM', false, '2025-03-03T11:30:00.000Z'],
        ['BOOK_REVIEWS_STREAM', false, '2025-03-15T12:00:00.000Z'],
      ]),
      ...healthyRules(),
    ]);
    const run = await status([], snowflakeEnv(server));
    expect(run.code).toBe(1);
    const problems = run.stdout.slice(run.stdout.indexOf('\nproblems:\n'));
    expect(problems).toBe(
      [
        '',
        'problems:',
        '  books: stream goes stale after 2025-03-03T11:30:00.000Z, less than stream_stale_within_hours (48) from now: its unmerged rows are lost then; get the MERGE task running (README, "Failures")',
        '  books: MERGE task BOOKS_MERGE is suspended: nothing is merged until ALTER TASK … RESUME (README, "Failures")',
        '  books: 340 loaded rows wait for the MERGE since 2025-03-01T10:00:00.000Z (150 minutes, more than max_merge_lag_minutes 120); last merge: 2025-03-01T09:55:00.000Z',
        '',
        'status: 3 problems',
        '',
      ].join('\n'),
    );
    expect(run.stdout).toMatch(/^books .* suspended .* 340 +2025-03-03T11:30:00\.000Z$/m);
    expect(run.stdout + run.stderr).not.toContain(PASSWORD);
    expect(run.stdout + run.stderr).not.toMatch(/\n\s+at /);
  });

  it('a last successful extract older than max_extract_age_minutes is a problem (exit 1)', async () => {
    // the state's last run finished at 12:00:05; the example allows 1440 minutes
    const later = new Date(Date.parse('2025-03-02T12:01:05.000Z'));
    const run = await runCommand(['status'], { cwd: work, env: env(), statusDeps: { now: () => later } });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      'books: last successful extract finished at 2025-03-01T12:00:05.000Z, 1441 minutes ago, more than max_extract_age_minutes (1440): check that extract still runs',
    );
    expect(run.stdout).toMatch(/^books +2025-03-01 12:00:05Z +24h01m +- +1200 /m);
    const inTime = await runCommand(['status'], {
      cwd: work,
      env: env(),
      statusDeps: { now: () => new Date(Date.parse('2025-03-02T12:00:05.000Z')) },
    });
    expect(inTime.code).toBe(0);
  });

  it('has --help with examples', async () => {
    const help = await runCommand(['status', '--help'], { cwd: work });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Examples:');
    expect(help.stdout).toContain('$ snowstage status --json');
  });
});
