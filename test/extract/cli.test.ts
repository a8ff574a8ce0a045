/**
 * `snowstage extract` as users run it: a child process against real MariaDB and s3rver. JSON log lines, exit
 * codes, a SIGKILL in the middle of a backfill followed by a rerun, and a scheduled worker stopped by SIGTERM.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaseKey, stateKey } from '../../src/extract/naming.js';
import { S3ObjectStore } from '../../src/extract/s3-store.js';
import { loadState } from '../../src/extract/state.js';
import type { PipelineModel, TableModel } from '../../src/model/types.js';
import { closedPort } from '../support/closed-port.js';
import { readCsvGz } from '../support/csv.js';
import { createTestDatabase, type TestDatabase } from '../support/mysql.js';
import { childEnv, loadTestModel } from '../support/pipeline.js';
import { startTestS3, type TestS3 } from '../support/s3.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = `${ROOT}bin/snowstage.js`;
let db: TestDatabase;
let s3: TestS3;
let env: Record<string, string>;
let model: PipelineModel;
let generatedDir: string;

beforeAll(async () => {
  if (!existsSync(`${ROOT}dist/cli/main.js`))
    throw new Error('dist/ is missing: run `npm run build` (npm test does)');
  db = await createTestDatabase('extract_cli');
  await db.runSqlFile(`${ROOT}test/fixtures/bookstore.sql`);
  s3 = await startTestS3();
  env = childEnv(db, s3);
  model = await loadTestModel('metadata', env);
  // the SQL this test's environment renders (its own bucket), as `generate` would write it before extracting
  generatedDir = await mkdtemp(join(tmpdir(), 'snowstage-extract-cli-'));
  await promisify(execFile)(process.execPath, [BIN, 'generate', '-o', generatedDir], { cwd: ROOT, env });
});

afterAll(async () => {
  if (generatedDir) await rm(generatedDir, { recursive: true, force: true });
  await db?.drop();
  await s3?.close();
});

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function start(
  args: string[],
  environment: Record<string, string> = env,
): { child: ChildProcess; done: Promise<Finished>; output: () => string } {
  const child = spawn(process.execPath, [BIN, 'extract', '-o', generatedDir, ...args], {
    cwd: ROOT,
    env: environment,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Finished>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done, output: () => stdout };
}

const runWith = (args: string[], environment: Record<string, string>) => start(args, environment).done;

const events = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const tableOf = (name: string): TableModel => {
  const t = model.tables.find((x) => x.name === name);
  if (!t) throw new Error(name);
  return t;
};

async function keysInFiles(table: TableModel, keyColumn: string): Promise<string[]> {
  const store = new S3ObjectStore(s3.client, s3.bucket);
  const keys: string[] = [];
  for (const object of await store.list(table.dataKeyPrefix)) {
    const got = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: object.key }));
    const bytes = await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray();
    keys.push(...readCsvGz(bytes).records.map((r) => r[keyColumn] ?? ''));
  }
  return keys;
}

describe('snowstage extract (child process)', () => {
  it('extracts every table, logs JSON lines with a summary per table, exits 0', async () => {
    const run = await start([]).done;
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    // tables run concurrently and report as they finish: compare in table order
    const summaries = events(run.stdout)
      .filter((e) => e.event === 'table_summary')
      .sort((a, b) => String(a.table).localeCompare(String(b.table)));
    expect(summaries.map((s) => [s.table, s.status, s.mode, s.rows])).toEqual([
      ['book_reviews', 'ok', 'backfill', 40],
      ['books', 'ok', 'backfill', 20],
    ]);
    for (const s of summaries) {
      expect(s).toHaveProperty('files', 1);
      expect(s).toHaveProperty('durationMs');
      expect((s.window as { upper: string }).upper).toBeTruthy();
    }
  });

  it('rejects an unknown table as a usage error (exit 2)', async () => {
    const run = await start(['--table', 'nope']).done;
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown table nope; tables are: book_reviews, books');
  });

  it('exits 1 when a table fails, after running the others', async () => {
    await db.query('ALTER TABLE books CHANGE isbn13 isbn VARCHAR(13)');
    try {
      const run = await start([]).done;
      expect(run.code).toBe(1);
      const byTable = Object.fromEntries(
        events(run.stdout)
          .filter((e) => e.event === 'table_summary')
          .map((e) => [e.table, e]),
      );
      expect(byTable.books?.status).toBe('failed');
      expect(String(byTable.books?.detail)).toContain(
        'column isbn13 is in metadata/tables/books.yaml but not in MySQL table books',
      );
      expect(byTable.book_reviews?.status).toBe('ok');
    } finally {
      await db.query('ALTER TABLE books CHANGE isbn isbn13 CHAR(13)');
    }
  });

  it('a failure names the side that failed: S3 down, a missing bucket, MySQL down; the duration counts retries', async () => {
    const closed = await closedPort();
    const summary = async (extra: Record<string, string>, flags: string[] = []) => {
      const run = await runWith([...flags, '--table', 'books'], { ...env, ...extra });
      expect(run.code).toBe(1);
      const found = events(run.stdout).find((e) => e.event === 'table_summary');
      expect(found?.status).toBe('failed');
      return found as { detail: string; durationMs: number };
    };
    const s3Down = await summary({ AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${closed}` });
    expect(s3Down.detail).toMatch(
      new RegExp(
        `^S3 bucket ${s3.bucket} at http://127\\.0\\.0\\.1:${closed} \\(region us-east-1\\): .*ECONNREFUSED`,
      ),
    );
    // another bucket renders other SQL than generatedDir holds: this case is about S3, so let it through
    const noBucket = await summary({ S3_BUCKET: 'snowstage-no-such-bucket' }, ['--allow-stale-generated']);
    expect(noBucket.detail).toBe(
      `S3 bucket snowstage-no-such-bucket at ${s3.endpoint} (region us-east-1): the bucket does not exist`,
    );
    // state records the source (host, port, database) and refuses another one: start this table afresh
    await new S3ObjectStore(s3.client, s3.bucket).delete(stateKey(tableOf('books')));
    const mysqlDown = await summary({ MYSQL_PORT: String(closed) });
    expect(mysqlDown.detail).toMatch(
      new RegExp(
        `^MySQL at 127\\.0\\.0\\.1:${closed} \\(database ${db.database}\\): .*ECONNREFUSED.* \\(after 3 attempts\\)$`,
      ),
    );
    // two waits between the three attempts (1 s and 3 s) are part of the run's duration
    expect(mysqlDown.durationMs).toBeGreaterThanOrEqual(4000);
  });

  it('refuses when generated/ is stale for the tables it extracts (another bucket), writing nothing', async () => {
    const store = new S3ObjectStore(s3.client, s3.bucket);
    const before = (await store.list('')).map((o) => o.key);
    // the repository's generated/ was rendered for the example bucket, not this test's
    const child = spawn(process.execPath, [BIN, 'extract', '--table', 'books'], { cwd: ROOT, env });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain('generated/bookstore is stale for the tables being extracted:');
    expect(stderr).toContain('  changed generated/bookstore/2_tables/books/4_pipe.sql');
    expect(stderr).toContain('--allow-stale-generated). Nothing was extracted.');
    expect(stderr).not.toContain('book_reviews');
    expect((await store.list('')).map((o) => o.key)).toEqual(before);
  });

  it('--allow-stale-generated extracts anyway, with a warning', async () => {
    const child = spawn(process.execPath, [BIN, 'extract', '--allow-stale-generated', '--table', 'books'], {
      cwd: ROOT,
      env,
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(stderr).toMatch(
      /^warning: generated\/bookstore is stale .*\n[\s\S]*extracting anyway \(--allow-stale-generated\)\n$/,
    );
  });

  it('killed with SIGKILL in the middle of a backfill, then rerun: every row is in the files', async () => {
    await db.query('CREATE TABLE digits (d INT NOT NULL)');
    await db.query('INSERT INTO digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)');
    // 100,000 more reviews (random text, so files do not compress to nothing); the reviews backfill restarts because its state is reset below.
    await db.query(
      `INSERT INTO book_reviews (review_id, book_id, reviewer, rating, review_text, helpful_votes, reviewed_at, updated_at)
       SELECT 1000 + a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d, 1, CONCAT('bulk ', a.d, b.d), 3,
              CONCAT(MD5(RAND()), ' ', MD5(RAND()), ' ', MD5(RAND())), 0, '2024-05-01 00:00:00', '2024-05-01 00:00:00'
       FROM digits a, digits b, digits c, digits e, digits f`,
    );
    const reviews = tableOf('book_reviews');
    const store = new S3ObjectStore(s3.client, s3.bucket);
    for (const o of await store.list(reviews.stateKeyPrefix)) await store.delete(o.key);
    for (const o of await store.list(reviews.dataKeyPrefix)) await store.delete(o.key);

    const first = start(['--table', 'book_reviews', '--chunk-rows', '2000', '--file-size-mb', '0.05']);
    // Kill once a range's progress is saved in state (what the rerun resumes from), not once files are
    // listed: a file is listed when its upload completes, before the progress that covers it is saved.
    await waitFor(
      async () => (await savedProgress(store, stateKey(reviews))) || first.child.exitCode !== null,
      120_000,
    );
    expect(first.child.exitCode, 'the backfill finished before any progress could be observed').toBeNull();
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    const afterKill = await loadState(store, stateKey(reviews));
    expect(afterKill.state.watermark).toBeNull();
    // Two connections read the backfill, each over half the keys; each records its own progress.
    const slices = afterKill.state.backfill?.slices ?? [];
    expect(slices.map((s) => [s.after, s.through])).toEqual([
      [null, ['50500']],
      [['50500'], null],
    ]);
    expect(slices.some((s) => s.lastKey !== null)).toBe(true);

    // The killed run's lease has not expired: a rerun now is refused, the table is reported locked.
    const locked = await start(['--table', 'book_reviews']).done;
    expect(events(locked.stdout).find((e) => e.event === 'table_summary')?.status).toBe('locked');
    await store.delete(leaseKey(reviews));

    const rerun = await start(['--table', 'book_reviews', '--chunk-rows', '2000', '--file-size-mb', '0.05'])
      .done;
    expect(rerun.code, rerun.stdout).toBe(0);
    const summary = events(rerun.stdout).find((e) => e.event === 'table_summary');
    expect(summary?.mode).toBe('backfill');
    // Resumed after the last uploaded file instead of starting over.
    expect(Number(summary?.rows)).toBeLessThan(100_040);
    const inFiles = new Set(await keysInFiles(reviews, 'REVIEW_ID'));
    const [rows] = (await db.pool.query(
      'SELECT CAST(review_id AS CHAR) AS id FROM book_reviews',
    )) as unknown as [{ id: string }[]];
    expect(rows.length).toBe(100_040);
    expect(rows.filter((r) => !inFiles.has(r.id))).toEqual([]);
    expect((await loadState(store, stateKey(reviews))).state.watermark).not.toBeNull();
  });

  it('as a scheduled worker, SIGTERM stops it cleanly (exit 0) and state stays consistent', async () => {
    const worker = start(['--table', 'books', '--schedule', '* * * * * *']);
    await waitFor(async () => events(worker.output()).some((e) => e.event === 'table_summary'), 120_000);
    worker.child.kill('SIGTERM');
    const stopped = await worker.done;
    expect(stopped.code).toBe(0);
    expect(events(stopped.stdout).some((e) => e.message === 'stopped')).toBe(true);
    const store = new S3ObjectStore(s3.client, s3.bucket);
    expect(await store.exists(leaseKey(tableOf('books')))).toBe(false);
    expect((await loadState(store, stateKey(tableOf('books')))).state.watermark).not.toBeNull();
  });
});

describe('snowstage extract and leases', () => {
  const store = () => new S3ObjectStore(s3.client, s3.bucket);
  const lease = (acquiredMsAgo: number, expiresInMs: number) =>
    `${JSON.stringify({
      owner: 'elsewhere:1',
      runId: 'run-x',
      acquiredAt: new Date(Date.now() - acquiredMsAgo).toISOString(),
      expiresAt: new Date(Date.now() + expiresInMs).toISOString(),
    })}\n`;

  it('a table locked by a run that has held it past --stale-lock-minutes fails the run (exit 1)', async () => {
    const key = leaseKey(tableOf('books'));
    await store().putText(key, lease(90 * 60_000, 120_000));
    try {
      const run = await start(['--table', 'books', '--stale-lock-minutes', '60']).done;
      expect(run.code, run.stdout).toBe(1);
      const summary = events(run.stdout).find((e) => e.event === 'table_summary');
      expect(summary).toMatchObject({ status: 'locked', lockedTooLong: true, level: 50 });
      expect(String(summary?.detail)).toContain('held the table for 90 minutes (more than 60)');
      // a lock held for a shorter time than the limit is the normal "another run is busy": exit 0
      const patient = await start(['--table', 'books', '--stale-lock-minutes', '120']).done;
      expect(patient.code, patient.stdout).toBe(0);
      expect(events(patient.stdout).find((e) => e.event === 'table_summary')).toMatchObject({
        status: 'locked',
      });
    } finally {
      await store().delete(key);
    }
  });

  it('a lease expiring further ahead than any extractor takes one is corrupt: the table fails, naming it', async () => {
    const key = leaseKey(tableOf('books'));
    await store().putText(key, lease(0, 365 * 24 * 3_600_000));
    try {
      const run = await start(['--table', 'books']).done;
      expect(run.code, run.stdout).toBe(1);
      const summary = events(run.stdout).find((e) => e.event === 'table_summary');
      expect(summary?.status).toBe('failed');
      expect(String(summary?.detail)).toContain(`lease s3://${s3.bucket}/${key} is corrupt`);
      expect(String(summary?.detail)).toContain('if no extractor is running for this table, delete it');
    } finally {
      await store().delete(key);
    }
  });
});

/** True once some backfill range has a durably saved `lastKey`; a state file caught mid-write reads as not yet. */
async function savedProgress(store: S3ObjectStore, key: string): Promise<boolean> {
  try {
    const { state } = await loadState(store, key);
    return (state.backfill?.slices ?? []).some((s) => s.lastKey !== null);
  } catch {
    return false;
  }
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}
