/**
 * The COPY loader invoked with real-shaped S3, SQS and EventBridge events, talking through the real snowflake-sdk to
 * the local Snowflake endpoint: the COPY statements it sends name exactly the new files with the pipe's options;
 * unrelated keys, folder markers, manifests and state files send nothing; repeated delivery is reported as already
 * loaded; a failed file fails only its SQS message.
 */
import { appendFile, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { keyFileKey, markerKey } from '../../src/extract/key-snapshot.js';
import { dataFileKey, manifestKey, newRunId, stateKey } from '../../src/extract/naming.js';
import { createLoader, LoadFailedError, type LoadSummary } from '../../src/lambda/loader.js';
import type { PipelineModel, TableModel } from '../../src/model/types.js';
import { loadPipeline } from '../../src/pipeline.js';
import { copyFilesStatements } from '../../src/render/copy-files.js';
import { loadTemplates, render } from '../../src/render/render.js';
import { type FakeReply, type FakeSnowflake, startFakeSnowflake } from '../support/fake-snowflake.js';
import { ROOT } from '../support/pipeline.js';

const BUCKET = 'snowstage-loader-test';
let fake: FakeSnowflake;
let model: PipelineModel;
let env: Record<string, string>;
const loaded = new Set<string>();
let workDir: string;
/** the example metadata with both tables on `loader: lambda`, and with only books on it */
let lambdaDir: string;
let mixedDir: string;

/** A copy of the example metadata whose named tables are loaded by the Lambda loader (no pipe). */
async function metadataWithLoader(name: string, tables: readonly string[]): Promise<string> {
  const dir = join(workDir, name);
  await cp(`${ROOT}metadata`, dir, { recursive: true });
  for (const t of tables) await appendFile(join(dir, 'tables', `${t}.yaml`), 'loader: lambda\n');
  return dir;
}

beforeAll(async () => {
  fake = await startFakeSnowflake();
  workDir = await mkdtemp(join(tmpdir(), 'snowstage-loader-'));
  lambdaDir = await metadataWithLoader('lambda', ['books', 'book_reviews']);
  mixedDir = await metadataWithLoader('mixed', ['books']);
  env = {
    S3_BUCKET: BUCKET,
    SNOWSTAGE_METADATA_DIR: lambdaDir,
    SNOWFLAKE_ACCOUNT: 'testacct',
    SNOWFLAKE_USER: 'loader',
    SNOWFLAKE_PASSWORD: 'secret',
    SNOWFLAKE_ACCESS_URL: fake.accessUrl,
  };
  const result = await loadPipeline({ dir: `${ROOT}metadata`, env, cwd: ROOT });
  if (!result.model) throw new Error(JSON.stringify(result.diagnostics));
  model = result.model;
});

beforeEach(() => {
  fake.statements.length = 0;
  fake.rules.length = 0;
  fake.rules.push(copyRule());
});

afterAll(async () => {
  await fake?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/**
 * Answers a COPY like Snowflake: one row per listed file its load metadata (per table folder) does not hold yet;
 * with nothing new, the single "0 files processed" row. Files named "bad" fail to load.
 */
function copyRule() {
  const rule = {
    match: (sql: string) => {
      if (!sql.startsWith('COPY INTO')) return false;
      const folder = /FROM @.*"\/(.*)\n/.exec(sql)?.[1] ?? '';
      const files = [...(/FILES = \((.*)\)/.exec(sql)?.[1] ?? '').matchAll(/'([^']*)'/g)].map(
        (m) => m[1] ?? '',
      );
      const fresh = files.filter((f) => !loaded.has(folder + f));
      for (const f of fresh) if (!f.includes('bad')) loaded.add(folder + f);
      rule.reply = {
        columns: [{ name: 'file' }, { name: 'status' }, { name: 'rows_loaded' }, { name: 'first_error' }],
        rows:
          fresh.length === 0
            ? [
                {
                  file: null,
                  status: 'Copy executed with 0 files processed.',
                  rows_loaded: null,
                  first_error: null,
                },
              ]
            : fresh.map((f) => ({
                file: `s3://${BUCKET}/bookstore/data/${folder}${f}`,
                status: f.includes('bad') ? 'LOAD_FAILED' : 'LOADED',
                rows_loaded: f.includes('bad') ? '0' : '3',
                first_error: f.includes('bad') ? 'Numeric value is not recognized' : null,
              })),
      };
      return true;
    },
    reply: {} as FakeReply,
  };
  return rule;
}

function table(name: string): TableModel {
  const found = model.tables.find((t) => t.name === name);
  if (!found) throw new Error(name);
  return found;
}

const run = newRunId(new Date('2026-11-30T07:00:00Z'), 'abc123');
const key = (t: string, n: number, suffix = '') =>
  dataFileKey(table(t), run, n).replace('.csv.gz', `${suffix}.csv.gz`);

/** An S3 notification record as S3 sends it: the key form-encoded. */
function s3Record(objectKey: string, bucket = BUCKET, eventName = 'ObjectCreated:Put') {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'us-east-1',
    eventTime: '2026-11-30T07:00:01.000Z',
    eventName,
    userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
    requestParameters: { sourceIPAddress: '10.0.0.1' },
    responseElements: { 'x-amz-request-id': 'C3D13FE58DE4C810', 'x-amz-id-2': 'FMyUVURIY8' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'snowstage-books',
      bucket: {
        name: bucket,
        ownerIdentity: { principalId: 'A3NL1KOZZKExample' },
        arn: `arn:aws:s3:::${bucket}`,
      },
      object: {
        key: encodeURIComponent(objectKey).replace(/%2F/g, '/').replace(/%20/g, '+'),
        size: 1024,
        eTag: 'd41d8cd98f00b204e9800998ecf8427e',
        sequencer: '0055AED6DCD90281E5',
      },
    },
  };
}

function sqsMessage(id: string, body: unknown) {
  return {
    messageId: id,
    receiptHandle: `handle-${id}`,
    body: JSON.stringify(body),
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1764486001000' },
    messageAttributes: {},
    md5OfBody: 'x',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:snowstage-bookstore',
    awsRegion: 'us-east-1',
  };
}

const copies = () => fake.statements.filter((s) => s.startsWith('COPY INTO'));
const invoke = (event: unknown, metadataDir = lambdaDir): Promise<LoadSummary> =>
  createLoader({ env: { ...env, SNOWSTAGE_METADATA_DIR: metadataDir } })(event);

function eventBridgeEvent(objectKey: string) {
  return {
    version: '0',
    id: '17793124-05d4-b198-2fde-7ededc63b103',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '123456789012',
    time: '2026-11-30T07:00:02Z',
    region: 'us-east-1',
    resources: [`arn:aws:s3:::${BUCKET}`],
    detail: {
      version: '0',
      bucket: { name: BUCKET },
      object: {
        key: objectKey,
        size: 5,
        etag: 'b1946ac92492d2347c6235b4d2611184',
        sequencer: '00617F08299329D189',
      },
      'request-id': 'N4N7GDK58NMKJ12R',
      requester: '123456789012',
      reason: 'PutObject',
    },
  };
}

describe('COPY loader', () => {
  it('sends the COPY the pipe would run, with FILES naming exactly the new file of an S3 notification', async () => {
    const summary = await invoke({ Records: [s3Record(key('books', 1))] });
    expect(summary.objects).toEqual([
      { bucket: BUCKET, key: key('books', 1), outcome: 'loaded', table: 'books', rowsLoaded: 3 },
    ]);
    const pipe =
      render(model, loadTemplates()).find((f) => f.path === '2_tables/books/4_pipe.sql')?.content ?? '';
    const file = key('books', 1).slice(table('books').dataKeyPrefix.length);
    const [copy] = copies();
    expect(copies()).toHaveLength(1);
    expect(copy).toContain(`  FILES = ('${file}')\n`);
    // everything but the FILES line is the COPY of the pipe books has with loader: snowpipe, character for character
    expect(pipe).toContain(copy?.replace(`  FILES = ('${file}')\n`, '') ?? 'missing');
  });

  it('repeated delivery sends the same COPY and reports the file as already loaded', async () => {
    const summary = await invoke({ Records: [s3Record(key('books', 1))] });
    expect(summary.objects.map((o) => o.outcome)).toEqual(['already_loaded']);
    expect(copies()).toHaveLength(1);
  });

  it('ignores other buckets, folder markers, manifests, state files and removals, sending nothing', async () => {
    const objects = [
      s3Record(key('books', 2), 'another-bucket'),
      s3Record(`${table('books').dataKeyPrefix}2026/11/30/`),
      s3Record(manifestKey(table('books'), run)),
      s3Record(stateKey(table('books'))),
      s3Record(`${table('books').dataKeyPrefix}notes.txt`),
      s3Record('bookstore/data/other_table/x.csv.gz'),
    ];
    const summary = await invoke({
      Records: [...objects, s3Record(key('books', 3), BUCKET, 'ObjectRemoved:Delete')],
    });
    expect(summary.objects.map((o) => [o.outcome, o.detail])).toEqual([
      ['ignored', "bucket another-bucket is not the pipeline's"],
      ['ignored', 'a folder marker'],
      ['ignored', "not under a table's data folder"],
      ['ignored', "not under a table's data folder"],
      ['ignored', 'not a .csv.gz data file'],
      ['ignored', "not under a table's data folder"],
    ]);
    expect(fake.statements).toEqual([]);
    // S3's test event and an empty SQS batch are harmless too
    expect((await invoke({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: BUCKET })).objects).toEqual(
      [],
    );
    expect((await invoke({ Records: [] })).objects).toEqual([]);
    expect(fake.statements).toEqual([]);
  });

  it('through SQS: one COPY per table for the batch, and only the message of a failed file is retried', async () => {
    const summary = await invoke({
      Records: [
        sqsMessage('m1', {
          Records: [s3Record(key('book_reviews', 1)), s3Record(key('book_reviews', 2, ' bad'))],
        }),
        sqsMessage('m2', { Records: [s3Record(key('book_reviews', 3))] }),
        sqsMessage('m3', { Service: 'Amazon S3', Event: 's3:TestEvent' }),
        sqsMessage('m4', 'not json {'),
      ],
    });
    expect(summary.objects.map((o) => [o.key, o.outcome])).toEqual([
      [key('book_reviews', 1), 'loaded'],
      [key('book_reviews', 2, ' bad'), 'failed'],
      [key('book_reviews', 3), 'loaded'],
    ]);
    expect(summary.objects[1]?.detail).toMatch(/LOAD_FAILED: Numeric value/);
    expect(summary.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    const names = [1, 2, 3].map((n) =>
      key('book_reviews', n, n === 2 ? ' bad' : '').slice(table('book_reviews').dataKeyPrefix.length),
    );
    expect(copies()).toHaveLength(1);
    expect(copies()[0]).toContain(`  FILES = (${names.map((n) => `'${n}'`).join(', ')})\n`);
  });

  it('an EventBridge "Object Created" event loads its object', async () => {
    const summary = await invoke(eventBridgeEvent(key('books', 4)));
    expect(summary.objects.map((o) => o.outcome)).toEqual(['loaded']);
    expect(summary.batchItemFailures).toBeUndefined();
  });

  it('an EventBridge event whose file fails to load fails the invocation (Lambda retries it), safely repeatable', async () => {
    const bad = key('books', 5, '-bad');
    const attempt = () => invoke(eventBridgeEvent(bad));
    await expect(attempt()).rejects.toThrow(
      /1 of 1 object\(s\) failed to load: .*-bad\.csv\.gz: LOAD_FAILED/,
    );
    // the retry Lambda makes sends the same COPY for the same single file
    await expect(attempt()).rejects.toThrow(LoadFailedError);
    expect(copies()).toHaveLength(2);
    expect(copies()[0]).toBe(copies()[1]);
  });

  it('never loads a file of a table that has a pipe (loader: snowpipe), even in the same event', async () => {
    const summary = await invoke(
      { Records: [s3Record(key('book_reviews', 7)), s3Record(key('books', 7))] },
      mixedDir,
    );
    expect(summary.objects.map((o) => [o.outcome, o.detail])).toEqual([
      ['ignored', 'table book_reviews is loaded by its pipe (loader: snowpipe)'],
      ['loaded', undefined],
    ]);
    expect(copies()).toHaveLength(1);
    expect(copies()[0]).toContain('"BOOKS"');
    expect(copies()[0]).not.toContain('BOOK_REVIEWS');
    // with the example metadata (both tables on Snowpipe) nothing is sent at all
    const none = await invoke({ Records: [s3Record(key('books', 8))] }, `${ROOT}metadata`);
    expect(none.objects.map((o) => o.outcome)).toEqual(['ignored']);
    expect(copies()).toHaveLength(1);
  });

  it('refuses an event that is no notification, before connecting', async () => {
    await expect(invoke({ command: 'extract' })).rejects.toThrow(/event refused/);
    expect(fake.statements).toEqual([]);
  });

  it('splits more than 1,000 files into several COPY statements', () => {
    const files = [...Array(1001).keys()].map((i) => `f${i}.csv.gz`);
    const statements = copyFilesStatements(model, table('books'), files, loadTemplates());
    expect(statements).toHaveLength(2);
    expect(statements[1]).toContain("FILES = ('f1000.csv.gz')");
  });
});

/**
 * Tables whose other files were loaded by pipes of their own: delete detection's key files and key markers
 * (7_delete_detection.sql) and a snapshot table's data files and completion markers (4_pipe.sql, 5_snapshot.sql).
 * With loader: lambda those pipes do not exist and the loader runs, per file, the COPY each would run: compared
 * with the pipe text rendered for the same metadata on loader: snowpipe, character for character (but the PATTERN,
 * which FILES replaces).
 */
describe('COPY loader, key snapshots and snapshot tables', () => {
  const SHOP = 'shop-lake';
  const shopEnv = { SHOP_MYSQL_PASSWORD: 'x' };
  let shopDir: string;
  let shop: PipelineModel;
  let piped: Map<string, string>;

  beforeAll(async () => {
    shopDir = join(workDir, 'shop');
    await cp(`${ROOT}test/golden/cases/lambda-loader/metadata`, shopDir, { recursive: true });
    shop = await modelOf(shopDir);
    // the same metadata with every table on its pipes: the COPY text each pipe runs
    const pipedDir = join(workDir, 'shop-piped');
    await cp(shopDir, pipedDir, { recursive: true });
    const yaml = await readFile(join(pipedDir, 'pipeline.yaml'), 'utf8');
    await writeFile(
      join(pipedDir, 'pipeline.yaml'),
      yaml.replace('  loader: lambda\n', '  loader: snowpipe\n'),
    );
    const snowpipe = await modelOf(pipedDir);
    expect(snowpipe.tables.every((t) => t.loader === 'snowpipe')).toBe(true);
    piped = new Map(render(snowpipe, loadTemplates()).map((f) => [f.path, f.content]));
  });

  async function modelOf(dir: string): Promise<PipelineModel> {
    const result = await loadPipeline({ dir, env: shopEnv, cwd: ROOT });
    if (!result.model) throw new Error(JSON.stringify(result.diagnostics));
    return result.model;
  }

  const shopTable = (name: string) => shop.tables.find((t) => t.name === name) as TableModel;
  const load = (...keys: string[]) =>
    createLoader({ env: { ...env, ...shopEnv, SNOWSTAGE_METADATA_DIR: shopDir } })({
      Records: keys.map((k) => s3Record(k, SHOP)),
    });

  /** The COPY of `pipe` as its CREATE PIPE in `path` (loader: snowpipe) has it, without its PATTERN line. */
  function pipeCopy(path: string, pipe: string): string {
    const sql = piped.get(path) ?? '';
    const start = sql.indexOf(`CREATE PIPE IF NOT EXISTS "LAKE"."SHOP_RAW"."${pipe}"`);
    expect(start, `${pipe} in ${path}`).toBeGreaterThanOrEqual(0);
    const body = sql.slice(sql.indexOf('\nCOPY INTO ', start) + 1, sql.indexOf(';\n', start));
    expect(body).toMatch(/\n {2}PATTERN = /);
    return body.replace(/\n {2}PATTERN = [^\n]*/, '');
  }

  /** The one COPY sent, with FILES naming exactly `file`, and that line taken out. */
  function sentCopy(file: string): string {
    expect(copies()).toHaveLength(1);
    const [copy = ''] = copies();
    expect(copy).toContain(`\n  FILES = ('${file}')\n`);
    return copy.replace(`  FILES = ('${file}')\n`, '');
  }

  const snapshotId = '20261130T070000000Z-abc123';

  it('a key file of a delete_detection table: the COPY of its key pipe (<TARGET>_KEYS_PIPE)', async () => {
    const accounts = shopTable('accounts');
    const object = keyFileKey(accounts, snapshotId, run, 1);
    const summary = await load(object);
    expect(summary.objects).toEqual([
      { bucket: SHOP, key: object, outcome: 'loaded', table: 'accounts', rowsLoaded: 3 },
    ]);
    expect(sentCopy(object.slice(accounts.keysKeyPrefix.length))).toBe(
      pipeCopy('2_tables/accounts/7_delete_detection.sql', 'ACCOUNTS_KEYS_PIPE'),
    );
    // the generated tree of the Lambda-loaded table creates neither pipe (nor any other)
    const tree = render(shop, loadTemplates());
    for (const file of tree.filter((f) => /^2_tables\/(accounts|currencies)\//.test(f.path)))
      expect(file.content, file.path).not.toMatch(/^CREATE PIPE/m);
  });

  it('a key-snapshot marker: the COPY of its markers pipe (<TARGET>_KEY_SNAPSHOTS_PIPE), loaded once', async () => {
    const accounts = shopTable('accounts');
    const object = markerKey(accounts, snapshotId);
    expect((await load(object)).objects.map((o) => o.outcome)).toEqual(['loaded']);
    expect(sentCopy(`${snapshotId}/complete.csv.gz`)).toBe(
      pipeCopy('2_tables/accounts/7_delete_detection.sql', 'ACCOUNTS_KEY_SNAPSHOTS_PIPE'),
    );
    // redelivered: the same COPY, which the markers table's load metadata skips
    expect((await load(object)).objects.map((o) => o.outcome)).toEqual(['already_loaded']);
    expect(copies()[1]).toBe(copies()[0]);
  });

  it('a snapshot table: a marker that arrives first and a data file, each by the COPY of its pipe', async () => {
    const currencies = shopTable('currencies');
    const marker = markerKey(currencies, snapshotId, 'table');
    expect((await load(marker)).objects.map((o) => o.outcome)).toEqual(['loaded']);
    expect(sentCopy(`${snapshotId}/complete.csv.gz`)).toBe(
      pipeCopy('2_tables/currencies/5_snapshot.sql', 'CURRENCIES_SNAPSHOTS_PIPE'),
    );
    fake.statements.length = 0;
    const data = keyFileKey(currencies, snapshotId, run, 1, 'table');
    expect((await load(data)).objects.map((o) => o.outcome)).toEqual(['loaded']);
    expect(sentCopy(data.slice(currencies.dataKeyPrefix.length))).toBe(
      pipeCopy('2_tables/currencies/4_pipe.sql', 'CURRENCIES_PIPE'),
    );
  });

  it('one event with files of several pipes: one COPY per pipe, each into its own table', async () => {
    const accounts = shopTable('accounts');
    const id = '20261130T080000000Z-def456';
    const summary = await load(
      keyFileKey(accounts, id, run, 1),
      markerKey(accounts, id),
      keyFileKey(accounts, id, run, 2),
      dataFileKey(accounts, run, 1),
    );
    expect(summary.objects.map((o) => o.outcome)).toEqual(['loaded', 'loaded', 'loaded', 'loaded']);
    expect(copies().map((c) => c.split('\n')[0])).toEqual([
      'COPY INTO "LAKE"."SHOP_RAW"."ACCOUNTS_KEYS"',
      'COPY INTO "LAKE"."SHOP_RAW"."ACCOUNTS_KEY_SNAPSHOTS"',
      'COPY INTO "LAKE"."SHOP_RAW"."ACCOUNTS"',
    ]);
    expect(copies()[0]).toContain(`FILES = ('${id}/${run}-000001.csv.gz', '${id}/${run}-000002.csv.gz')`);
  });
});
