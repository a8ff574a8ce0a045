/**
 * The last extract attempt end to end: a real `extract` run that fails or finds its table locked writes
 * last-attempt.json to S3 (s3rver), and `status` then reports it on one line with exit 1.
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type ExtractOptions, extractCommand } from '../../src/cli/commands/extract.js';
import { lastAttemptKey, readLastAttempt, recordLastAttempt } from '../../src/extract/last-attempt.js';
import { acquireLease } from '../../src/extract/lease.js';
import { LocalObjectStore } from '../../src/extract/local-store.js';
import { leaseKey } from '../../src/extract/naming.js';
import { S3ObjectStore } from '../../src/extract/s3-store.js';
import type { PipelineModel, TableModel } from '../../src/model/types.js';
import { loadPipeline } from '../../src/pipeline.js';
import { prepareWorkDir, runCommand } from '../apply/harness.js';
import { closedPort as findClosedPort } from '../support/closed-port.js';
import { startTestS3, type TestS3 } from '../support/s3.js';

const PASSWORD = 'Sentinel-Extract-Password-27182';

let s3: TestS3;
let work: string;
let model: PipelineModel;
let closedPort: number;

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
  closedPort = await findClosedPort();
});

afterAll(async () => {
  await s3?.close();
  await rm(work, { recursive: true, force: true });
});

// the S3 client takes its credentials from the process environment (the SDK's provider chain)
beforeEach(() => {
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'S3RVER');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'S3RVER');
});

afterEach(() => {
  vi.unstubAllEnvs();
});

function table(name: string): TableModel {
  const found = model.tables.find((t) => t.name === name);
  if (!found) throw new Error(`no table ${name}`);
  return found;
}

const env = (extra: Record<string, string> = {}) => ({
  S3_BUCKET: s3.bucket,
  AWS_ENDPOINT_URL_S3: s3.endpoint,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  MYSQL_HOST: '127.0.0.1',
  MYSQL_PORT: String(closedPort),
  MYSQL_PASSWORD: PASSWORD,
  ...extra,
});

const EXTRACT: ExtractOptions = {
  metadata: 'metadata',
  table: [],
  fileSizeMb: 128,
  chunkRows: 10_000,
  backfillConnections: 1,
  concurrency: 1,
  maxConnections: 8,
  gzipLevel: 1,
  leaseTtlSeconds: 300,
  backfill: false,
  out: 'generated',
  mysqlLockWaitSeconds: 60,
  staleLockMinutes: 60,
  mysqlStatementTimeoutSeconds: 900,
};

async function extract(tables: string[]): Promise<{ code: number; output: string }> {
  let output = '';
  const write = (s: string) => {
    output += s;
    return true;
  };
  const code = await extractCommand(
    { stdout: { write }, stderr: { write }, env: env(), cwd: work },
    { ...EXTRACT, table: tables },
  );
  return { code, output };
}

const store = () => new S3ObjectStore(s3.client, s3.bucket);

describe('status after a real extract attempt', () => {
  it('an extract that fails (MySQL port closed): status shows the failure on one line and exits 1', async () => {
    const run = await extract(['book_reviews']);
    expect(run.code).toBe(1);
    const recorded = await readLastAttempt(store(), table('book_reviews'));
    expect(recorded).toMatchObject({ status: 'failed', table: 'book_reviews', lockedSince: null });
    const status = await runCommand(['status'], { cwd: work, env: env() });
    expect(status.code).toBe(1);
    const line = status.stdout.split('\n').find((l) => l.startsWith('  book_reviews: last extract'));
    expect(line).toMatch(
      new RegExp(
        `^  book_reviews: last extract \\(run \\S+\\) failed at \\S+: MySQL at 127\\.0\\.0\\.1:${closedPort} \\(database bookstore\\): .*ECONNREFUSED.*\\(after 3 attempts\\)$`,
      ),
    );
    expect(status.stdout).toMatch(/^book_reviews +never +- +failed /m);
    const json = JSON.parse((await runCommand(['status', '--json'], { cwd: work, env: env() })).stdout);
    expect(json.healthy).toBe(false);
    for (const text of [run.output, status.stdout, status.stderr, JSON.stringify(json)]) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toMatch(/\n\s+at /);
    }
  }, 60_000);

  it('a table every extract finds locked for longer than the lease TTL is reported; a shorter lock is a note', async () => {
    // another worker holds books (its lease renews; the TTL is 5 minutes, like this extract's)
    await acquireLease(store(), leaseKey(table('books')), {
      owner: 'other-host:9',
      runId: 'run-9',
      ttlMs: 300_000,
    });
    const first = await extract(['books']);
    expect(first.code).toBe(0);
    const recorded = await readLastAttempt(store(), table('books'));
    expect(recorded).toMatchObject({ status: 'locked', leaseTtlMs: 300_000 });
    const since = recorded?.lockedSince ?? '';
    expect(Date.parse(since)).toBeGreaterThan(Date.now() - 60_000);
    // a second locked attempt keeps the time the table was first found locked
    await extract(['books']);
    expect((await readLastAttempt(store(), table('books')))?.lockedSince).toBe(since);

    const at = (minutes: number) => ({ now: () => new Date(Date.parse(since) + minutes * 60_000) });
    const soon = await runCommand(['status'], { cwd: work, env: env(), statusDeps: at(2) });
    expect(soon.stdout).toContain(
      `books: every extract since ${since} (2 minutes) found the table locked: held by other-host:9`,
    );
    const soonJson = await runCommand(['status', '--json'], { cwd: work, env: env(), statusDeps: at(2) });
    const soonProblems = (JSON.parse(soonJson.stdout) as { problems: string[] }).problems;
    expect(soonProblems.filter((p) => p.includes('found the table locked'))).toEqual([]);
    const late = await runCommand(['status'], { cwd: work, env: env(), statusDeps: at(6) });
    expect(late.code).toBe(1);
    const problems = late.stdout.slice(late.stdout.indexOf('\nproblems:\n'));
    expect(problems).toMatch(
      new RegExp(
        `\\n {2}books: every extract since ${since.replaceAll('.', '\\.')} \\(6 minutes\\) found the table locked, longer than the lease TTL \\(5 minutes\\): held by other-host:9 since \\S+ until \\S+\\n`,
      ),
    );
    expect(late.stdout).not.toMatch(/\n\s+at /);
  }, 60_000);

  it("a last-attempt record that is not JSON, or another table's, is a problem naming the file", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'snowstage-attempt-'));
    try {
      const local = new LocalObjectStore(dir);
      await local.putText(lastAttemptKey(table('books')), '{"version": 1, "tab');
      const other = { version: 1, table: 'books', runId: 'r', status: 'failed', startedAt: 'x' };
      await local.putText(
        lastAttemptKey(table('book_reviews')),
        JSON.stringify({ ...other, finishedAt: 'x' }),
      );
      const run = await runCommand(['status', '--state-dir', dir], { cwd: work, env: {} });
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(
        /^ {2}books: last extract attempt could not be read: last attempt file:\/\/\S+\/books\/last-attempt\.json is not valid JSON$/m,
      );
      expect(run.stdout).toMatch(
        /^ {2}book_reviews: last extract attempt could not be read: last attempt \S+ cannot be used: it is table "books"'s, not "book_reviews"$/m,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a record that cannot be written is a warning, never an exception (the run already has its outcome)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'snowstage-attempt-'));
    try {
      // a state "directory" that is a file: every write under it fails
      const blocked = join(dir, 'not-a-directory');
      await writeFile(blocked, 'x');
      const result = {
        table: 'books',
        status: 'ok' as const,
        runId: 'r',
        mode: 'incremental' as const,
        rows: 1,
        files: 1,
        bytes: 1,
        compressedBytes: 1,
        window: { lower: null, upper: null },
        durationMs: 1,
      };
      const now = new Date();
      const warning = await recordLastAttempt(new LocalObjectStore(blocked), table('books'), result, {
        startedAt: now,
        finishedAt: now,
        leaseTtlMs: 300_000,
      });
      expect(warning).toMatch(
        /^could not record the last attempt in file:\/\/\S+\/books\/last-attempt\.json: /,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
