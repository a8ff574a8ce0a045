/**
 * `snowstage apply` end to end: the real snowflake-sdk against the local fake (test/support/fake-snowflake.ts),
 * the real S3 SDK against a recording endpoint for the bucket notification calls.
 */
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { trustPolicy } from '../../src/aws/policies.js';
import { loadPipeline } from '../../src/pipeline.js';
import { notificationXml, type RecordingS3, startRecordingS3 } from '../aws/recording-s3.js';
import {
  type FakeRule,
  type FakeSnowflake,
  LOGIN_FAILED,
  startFakeSnowflake,
} from '../support/fake-snowflake.js';
import {
  describePipeRule,
  EXTERNAL_ID,
  type ExpectedStatement,
  expectedStatements,
  IAM_USER_ARN,
  OTHER_QUEUE_ARN,
  postApplyRules,
  QUEUE_ARN,
} from './fixtures.js';
import { prepareWorkDir, runCommand } from './harness.js';

const PASSWORD = 'Sentinel-Password-9f8e7d';
const BUCKET = 'snowstage-bookstore';

let work: string;
let fake: FakeSnowflake;
let s3: RecordingS3;
let expected: ExpectedStatement[];

beforeEach(async () => {
  // The S3 client takes credentials from the SDK's default chain (process env), as in production.
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'test-key');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test-secret');
  work = await prepareWorkDir();
  expected = await expectedStatements(join(work, 'generated/bookstore'));
  s3 = await startRecordingS3();
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await fake?.close();
  await s3.close();
  await rm(work, { recursive: true, force: true });
});

async function startFake(rules: FakeRule[] = postApplyRules(), loginFailure = false): Promise<FakeSnowflake> {
  fake = await startFakeSnowflake({ rules, ...(loginFailure ? { loginFailure: LOGIN_FAILED } : {}) });
  return fake;
}

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    SNOWFLAKE_ACCOUNT: 'testacct',
    SNOWFLAKE_USER: 'loader',
    SNOWFLAKE_PASSWORD: PASSWORD,
    SNOWFLAKE_ACCESS_URL: fake.accessUrl,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_REGION: 'us-east-1',
    ...extra,
  };
}

const apply = (args: string[] = [], environment: Record<string, string> = env()) =>
  runCommand(['apply', ...args], { cwd: work, env: environment });

const where = (s: ExpectedStatement) => `generated/bookstore/${s.file}:${s.line}`;

/** The DDL statements sent, without the DESC reads that follow a successful apply. */
const ddlSent = () => fake.statements.filter((s) => !s.startsWith('DESC '));

/** apply's stderr on success: only the line that says where it connects. */
const CONNECTING_ONLY =
  /^connecting to Snowflake: user \S+ on account \S+ at http:\/\/127\.0\.0\.1:\d+, [^\n]*\n$/;

describe('apply', () => {
  it('--parallel 1: runs every generated statement in path order, one per request, and logs each', async () => {
    await startFake();
    const run = await apply(['--parallel', '1']);
    expect(run.stderr).toMatch(CONNECTING_ONLY);
    expect(run.code).toBe(0);
    expect(expected.length).toBeGreaterThan(30);
    expect(fake.inFlight.max).toBe(1);
    expect(ddlSent()).toEqual(expected.map((s) => s.text));
    // files in path order: schemas first, then each table's landing → target → stream → pipe → task, views and
    // alerts last
    const files = [...new Set(expected.map((s) => s.file))];
    expect(files[0]).toBe('1_pipeline/1_schemas.sql');
    expect(files.slice(-2)).toEqual(['3_monitoring/1_views.sql', '3_monitoring/2_alerts.sql']);
    expect(files.indexOf('2_tables/books/3_stream.sql')).toBeLessThan(
      files.indexOf('2_tables/books/4_pipe.sql'),
    );
    for (const body of fake.queryBodies) expect(JSON.stringify(body)).not.toContain('MULTI_STATEMENT_COUNT');

    const logLines = run.stdout.split('\n').filter((l) => l.startsWith('ok '));
    expect(logLines).toHaveLength(expected.length);
    expected.forEach((statement, i) => {
      expect(logLines[i]).toContain(where(statement));
      expect(logLines[i]).toMatch(/query [0-9a-f-]{36}\s+\d+ ms/);
    });
    expect(run.stdout).toContain(
      `result: ${expected.length} statements: ${expected.length} succeeded, 0 failed, 0 not run`,
    );
    // each statement once: its log line, not again in the result
    for (const statement of expected) {
      const at = `${where(statement)} `;
      expect(run.stdout.split(at).length - 1, at).toBe(1);
    }
  });

  it('--json: the result on stdout as JSON, every statement once; the log on stderr', async () => {
    await startFake();
    const run = await apply(['--json']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as {
      ok: boolean;
      exitCode: number;
      counts: { succeeded: number };
      statements: { file: string; line: number; status: string; queryId?: string }[];
    };
    expect(report).toMatchObject({ ok: true, exitCode: 0, counts: { succeeded: expected.length } });
    expect(report.statements.map((s) => `${s.file}:${s.line}`)).toEqual(expected.map(where));
    expect(report.statements.every((s) => s.status === 'succeeded' && s.queryId !== undefined)).toBe(true);
    expect(run.stderr).toContain(
      `ok      [${'1'.padStart(String(expected.length).length)}/${expected.length}] ${where(expected[0] as ExpectedStatement)}`,
    );
  });

  it('--json after a failed login: every statement not run, exit 1', async () => {
    await startFake(postApplyRules(), true);
    const run = await apply(['--json']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { ok: boolean; statements: { status: string }[] };
    expect(report.ok).toBe(false);
    expect(report.statements.map((s) => s.status)).toEqual(expected.map(() => 'not_run'));
  });

  it("connects with the model's role, warehouse and database unless the environment overrides them", async () => {
    await startFake();
    await apply();
    const login = new URL(
      fake.requests.find((r) => r.url.startsWith('/session/v1/login-request'))?.url ?? '',
      'http://x',
    );
    expect(login.searchParams.get('roleName')).toBe('SNOWSTAGE_LOADER');
    expect(login.searchParams.get('warehouse')).toBe('ETL_WH');
    expect(login.searchParams.get('databaseName')).toBe('ANALYTICS');

    await fake.close();
    await startFake();
    await apply([], env({ SNOWFLAKE_ROLE: 'DEPLOYER', SNOWFLAKE_WAREHOUSE: 'DEPLOY_WH' }));
    const second = new URL(
      fake.requests.find((r) => r.url.startsWith('/session/v1/login-request'))?.url ?? '',
      'http://x',
    );
    expect(second.searchParams.get('roleName')).toBe('DEPLOYER');
    expect(second.searchParams.get('warehouse')).toBe('DEPLOY_WH');
  });

  it('never runs the administrator file: no account-level GRANT, no integration DDL, no DESC INTEGRATION', async () => {
    await startFake();
    const run = await apply();
    expect(run.code).toBe(0);
    expect(fake.statements.length).toBeGreaterThan(30);
    for (const statement of fake.statements) {
      // the only GRANT: MONITOR on each pipe, by the pipe's owner (4_pipe.sql)
      expect(statement).not.toMatch(
        /^(GRANT (?!MONITOR ON PIPE )|CREATE STORAGE INTEGRATION|ALTER STORAGE INTEGRATION|DESC INTEGRATION)/,
      );
    }
  });

  it('--grants runs only admin/grants.sql, as ACCOUNTADMIN unless SNOWFLAKE_ROLE says otherwise, and touches no bucket', async () => {
    const admin = await expectedStatements(join(work, 'generated/bookstore'), /^admin\/grants\.sql$/);
    expect(admin.map((s) => s.text.split(/\s/)[0])).toEqual(
      expect.arrayContaining(['CREATE', 'ALTER', 'GRANT']),
    );
    expect(admin.map((s) => s.text)).toEqual(
      expect.arrayContaining([
        'GRANT EXECUTE TASK ON ACCOUNT TO ROLE "SNOWSTAGE_LOADER"',
        'GRANT USAGE ON WAREHOUSE "ETL_WH" TO ROLE "SNOWSTAGE_LOADER"',
        'GRANT MONITOR ON FUTURE TASKS IN SCHEMA "ANALYTICS"."BOOKSTORE_RAW" TO ROLE "ANALYTICS_MONITOR"',
      ]),
    );
    await startFake();
    const run = await apply(['--grants']);
    expect(run.stderr).toMatch(CONNECTING_ONLY);
    expect(run.code).toBe(0);
    expect(ddlSent()).toEqual(admin.map((s) => s.text));
    const login = new URL(
      fake.requests.find((r) => r.url.startsWith('/session/v1/login-request'))?.url ?? '',
      'http://x',
    );
    expect(login.searchParams.get('roleName')).toBe('ACCOUNTADMIN');
    expect(s3.requests).toEqual([]);

    await fake.close();
    await startFake();
    await apply(['--grants'], env({ SNOWFLAKE_ROLE: 'SECURITY_OWNER' }));
    const second = new URL(
      fake.requests.find((r) => r.url.startsWith('/session/v1/login-request'))?.url ?? '',
      'http://x',
    );
    expect(second.searchParams.get('roleName')).toBe('SECURITY_OWNER');
  });

  it('--grants with --migration is a usage error and runs nothing', async () => {
    await startFake();
    const run = await apply(['--grants', '--migration', '001_recreate_pipe_books']);
    expect(run.code).toBe(2);
    expect(fake.statements).toEqual([]);
  });

  it('--grants prints the exact IAM trust policy from DESC INTEGRATION', async () => {
    await startFake();
    const run = await apply(['--grants']);
    expect(fake.statements).toContain('DESC INTEGRATION "SNOWSTAGE_BOOKSTORE_S3"');
    const { model } = await loadPipeline({ dir: join(work, 'metadata'), env: {}, cwd: work });
    if (!model) throw new Error('metadata did not load');
    const policy = JSON.stringify(
      trustPolicy(model, { iamUserArn: IAM_USER_ARN, externalId: EXTERNAL_ID }),
      null,
      2,
    );
    expect(run.stdout).toContain(policy);
    expect(policy).toContain(IAM_USER_ARN);
    expect(run.stdout).toContain('aws iam update-assume-role-policy --role-name snowstage-bookstore');
    // the committed file still has the placeholder principal: say what to pin
    expect(run.stdout).toContain(`aws_iam_user_arn: ${IAM_USER_ARN}`);
  });

  it('configures one bucket notification per table, keeps the others, and changes nothing on rerun', async () => {
    const existing = notificationXml({
      queues: [
        {
          id: 'thumbnails',
          arn: 'arn:aws:sqs:us-east-1:111122223333:t',
          events: ['s3:ObjectCreated:*'],
          prefix: 'images/',
        },
      ],
      topics: [{ id: 'audit', arn: 'arn:aws:sns:us-east-1:111122223333:a', events: ['s3:ObjectRemoved:*'] }],
      eventBridge: true,
    });
    s3.configurations.set(BUCKET, existing);
    await startFake(postApplyRules({ books: QUEUE_ARN, book_reviews: OTHER_QUEUE_ARN }));
    const first = await apply();
    expect(first.stderr).toMatch(CONNECTING_ONLY);
    expect(first.code).toBe(0);
    expect(fake.statements).toContain('DESC PIPE "ANALYTICS"."BOOKSTORE_RAW"."BOOKS_PIPE"');
    expect(s3.puts).toHaveLength(1);
    const put = s3.puts[0] ?? '';
    for (const text of [
      'thumbnails',
      'audit',
      '<EventBridgeConfiguration',
      '<Id>snowstage-bookstore-d6a96a151756-books</Id>',
    ]) {
      expect(put).toContain(text);
    }
    expect(put).toMatch(
      new RegExp(
        `<Queue>${OTHER_QUEUE_ARN}</Queue><Event>s3:ObjectCreated:\\*</Event><Id>snowstage-bookstore-d6a96a151756-book_reviews</Id>`,
      ),
    );
    expect(put).toContain('<Value>bookstore/data/book_reviews/</Value>');
    expect(first.stdout).toMatch(
      /added +snowstage-bookstore-d6a96a151756-books +prefix bookstore\/data\/books\//,
    );

    const again = await apply();
    expect(again.code).toBe(0);
    expect(s3.puts).toHaveLength(1);
    expect(again.stdout).toMatch(/unchanged +snowstage-bookstore-d6a96a151756-books/);
    expect(again.stdout).toContain('already up to date: nothing written');
  });

  it('wires the key-snapshot folder of a table with delete_detection to its pipes; refuses when their queues differ', async () => {
    const books = join(work, 'metadata/tables/books.yaml');
    await writeFile(books, `${await readFile(books, 'utf8')}delete_detection:\n  every_minutes: 60\n`);
    const { generateCommand } = await import('../../src/cli/commands/generate.js');
    const quiet = { write: () => true };
    const generated = await generateCommand(
      { stdout: quiet, stderr: quiet, env: {}, cwd: work },
      { metadata: 'metadata', out: 'generated', check: false },
    );
    expect(generated).toBe(0);
    const keyPipes = (keys: string, markers: string) => [
      describePipeRule('BOOKS_KEYS_PIPE', keys),
      describePipeRule('BOOKS_KEY_SNAPSHOTS_PIPE', markers),
    ];
    await startFake([...keyPipes(OTHER_QUEUE_ARN, OTHER_QUEUE_ARN), ...postApplyRules()]);
    const run = await apply(['--parallel', '1']);
    expect(run.code, run.stderr).toBe(0);
    const put = s3.puts[0] ?? '';
    expect(put).toMatch(
      new RegExp(
        `<Queue>${OTHER_QUEUE_ARN}</Queue><Event>s3:ObjectCreated:\\*</Event><Id>snowstage-bookstore-d6a96a151756-books\\.keys</Id><Filter><S3Key><FilterRule><Name>prefix</Name><Value>bookstore/data/_keys/books/</Value>`,
      ),
    );
    expect(put).toContain('<Value>bookstore/data/books/</Value>');
    await fake.close();

    // two queues for one folder: S3 can notify only one, so nothing is written and the message says what to do
    s3.puts.length = 0;
    await startFake([...keyPipes(QUEUE_ARN, OTHER_QUEUE_ARN), ...postApplyRules()]);
    const differing = await apply(['--parallel', '1']);
    expect(differing.code).toBe(1);
    expect(differing.stderr).toContain(
      'table books (key snapshots): pipes BOOKS_KEYS_PIPE and BOOKS_KEY_SNAPSHOTS_PIPE have different notification channels',
    );
    expect(s3.puts).toEqual([]);
  });

  it('a table switched to the Lambda loader: no pipe created or described, its queue entry removed, EventBridge on', async () => {
    // as deployed with both tables on Snowpipe
    await startFake(postApplyRules({ books: QUEUE_ARN, book_reviews: OTHER_QUEUE_ARN }));
    expect((await apply()).code).toBe(0);
    await fake.close();
    const books = join(work, 'metadata/tables/books.yaml');
    await writeFile(books, `${await readFile(books, 'utf8')}loader: lambda\n`);
    const { generateCommand } = await import('../../src/cli/commands/generate.js');
    const quiet = { write: () => true };
    const generated = await generateCommand(
      { stdout: quiet, stderr: quiet, env: {}, cwd: work },
      { metadata: 'metadata', out: 'generated', check: false },
    );
    expect(generated).toBe(0);

    await startFake(postApplyRules({ book_reviews: OTHER_QUEUE_ARN }));
    const run = await apply();
    expect(run.code, run.stderr).toBe(0);
    expect(fake.statements.filter((s) => s.includes('BOOKS_PIPE'))).toEqual([]);
    expect(fake.statements).toContain('DESC PIPE "ANALYTICS"."BOOKSTORE_RAW"."BOOK_REVIEWS_PIPE"');
    // the migration that drops the pipe is written, never run by a normal apply
    expect(fake.statements.some((s) => s.startsWith('DROP PIPE'))).toBe(false);
    const put = s3.puts.at(-1) ?? '';
    expect(put).toContain('<Id>snowstage-bookstore-d6a96a151756-book_reviews</Id>');
    expect(put).not.toContain('bookstore/data/books/');
    expect(put).toContain('<EventBridgeConfiguration');
    expect(run.stdout).toMatch(
      /removed +snowstage-bookstore-d6a96a151756-books +prefix bookstore\/data\/books\//,
    );
    expect(run.stdout).toMatch(/added +EventBridge/);
  });

  it('a snapshot table: its folder notifies the data pipe, whose queue the markers pipe must share', async () => {
    await writeFile(
      join(work, 'metadata/tables/currencies.yaml'),
      'name: currencies\nsource_table: currencies\nmode: snapshot\nprimary_key: [code]\ncolumns:\n  - { name: code, type: char(3), nullable: false }\n',
    );
    const { generateCommand } = await import('../../src/cli/commands/generate.js');
    const quiet = { write: () => true };
    const generated = await generateCommand(
      { stdout: quiet, stderr: quiet, env: {}, cwd: work },
      { metadata: 'metadata', out: 'generated', check: false },
    );
    expect(generated).toBe(0);
    const pipes = (markers: string) => [
      describePipeRule('CURRENCIES_PIPE', QUEUE_ARN),
      describePipeRule('CURRENCIES_SNAPSHOTS_PIPE', markers),
    ];
    await startFake([...pipes(QUEUE_ARN), ...postApplyRules()]);
    const run = await apply(['--parallel', '1']);
    expect(run.code, run.stderr).toBe(0);
    expect(s3.puts[0] ?? '').toContain('<Value>bookstore/data/currencies/</Value>');
    await fake.close();

    s3.puts.length = 0;
    await startFake([...pipes(OTHER_QUEUE_ARN), ...postApplyRules()]);
    const differing = await apply(['--parallel', '1']);
    expect(differing.code).toBe(1);
    expect(differing.stderr).toContain(
      'table currencies (snapshot markers): pipes CURRENCIES_PIPE and CURRENCIES_SNAPSHOTS_PIPE have different notification channels',
    );
    expect(s3.puts).toEqual([]);
  });

  it('refuses to touch notifications that would overlap, explaining the SNS alternative', async () => {
    s3.configurations.set(
      BUCKET,
      notificationXml({
        queues: [
          { id: 'legacy', arn: OTHER_QUEUE_ARN, events: ['s3:ObjectCreated:*'], prefix: 'bookstore/' },
        ],
      }),
    );
    await startFake();
    const run = await apply();
    expect(run.code).toBe(1);
    expect(ddlSent()).toHaveLength(expected.length);
    expect(run.stderr).toContain('queue configuration "legacy"');
    expect(run.stderr).toContain('SNS');
    expect(s3.puts).toEqual([]);
  });

  it('reports a pipe without a notification channel and leaves the bucket alone', async () => {
    await startFake(postApplyRules({ books: null }));
    const run = await apply();
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('table books: the pipe has no notification_channel');
    expect(s3.requests).toEqual([]);
  });

  it('an S3 endpoint without bucket notifications (s3rver: HTTP 501) says how to continue and what to wire', async () => {
    const { startTestS3 } = await import('../support/s3.js');
    const s3rver = await startTestS3({ bucket: BUCKET });
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'S3RVER');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'S3RVER');
    try {
      await startFake();
      const run = await apply([], env({ AWS_ENDPOINT_URL_S3: s3rver.endpoint }));
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(`${expected.length} succeeded, 0 failed, 0 not run`);
      expect(run.stderr).toContain(
        `the S3 endpoint (${s3rver.endpoint}) does not implement bucket notifications (HTTP 501 NotImplemented) ` +
          `for s3://${BUCKET}. The Snowflake objects were applied; rerun with --no-notifications`,
      );
      expect(run.stderr).toContain(`  bookstore/data/books/ -> ${QUEUE_ARN}\n`);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await s3rver.close();
    }
  });

  it('--no-notifications reads no pipe and calls no AWS API', async () => {
    await startFake();
    const run = await apply(['--no-notifications']);
    expect(run.code).toBe(0);
    expect(fake.statements.filter((s) => s.startsWith('DESC PIPE'))).toEqual([]);
    expect(s3.requests).toEqual([]);
    expect(run.stdout).toContain('skipped (--no-notifications)');
  });

  it('--purge-tombstones runs only the purge, one DELETE per table, and touches neither integration nor bucket', async () => {
    await startFake();
    const run = await apply(['--purge-tombstones']);
    expect(run.stderr).toMatch(CONNECTING_ONLY);
    expect(run.code).toBe(0);
    const purge = await readFile(join(work, 'generated/bookstore/maintenance/purge_tombstones.sql'), 'utf8');
    expect(fake.statements).toHaveLength(2);
    for (const sent of fake.statements) {
      expect(purge).toContain(sent);
      expect(sent).toMatch(
        /^DELETE FROM "ANALYTICS"\."BOOKSTORE"\."BOOK(S|_REVIEWS)"\nWHERE "_SNOWSTAGE_DELETED" = TRUE\n/,
      );
    }
    expect(s3.requests).toEqual([]);
    // a plain apply never sends it
    await fake.close();
    await startFake();
    await apply();
    expect(fake.statements.filter((s) => s.startsWith('DELETE'))).toEqual([]);
  });

  it('--purge-tombstones and --migration together are a usage error; nothing is run', async () => {
    await startFake();
    const run = await apply(['--purge-tombstones', '--migration', '001_x']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--migration and --purge-tombstones');
    expect(fake.statements).toEqual([]);
  });

  it('--parallel 1: stops at the first failure, reports code, SQL state, message and file:line, runs nothing after it', async () => {
    const message =
      "SQL compilation error:\nStage 'ANALYTICS.BOOKSTORE_RAW.BOOKSTORE_STAGE' does not exist or not authorized.";
    await startFake([
      {
        match: (sql) => sql.startsWith('CREATE PIPE IF NOT EXISTS "ANALYTICS"."BOOKSTORE_RAW"."BOOKS_PIPE"'),
        reply: { error: { code: '002003', sqlState: '02000', message } },
      },
      ...postApplyRules(),
    ]);
    const run = await apply(['--parallel', '1']);
    expect(run.code).toBe(1);
    const failedAt = expected.findIndex((s) => s.file === '2_tables/books/4_pipe.sql');
    expect(failedAt).toBeGreaterThan(0);
    expect(fake.statements).toEqual(expected.slice(0, failedAt + 1).map((s) => s.text));
    const failed = expected[failedAt] as ExpectedStatement;
    expect(run.stderr).toContain(`apply stopped at ${where(failed)}`);
    expect(run.stderr).toContain('Snowflake error 002003 (SQL state 02000)');
    expect(run.stderr).toContain("Stage 'ANALYTICS.BOOKSTORE_RAW.BOOKSTORE_STAGE' does not exist");
    expect(run.stderr).toMatch(/query id: [0-9a-f-]{36}/);
    const notRun = expected.length - failedAt - 1;
    expect(run.stderr).toContain(`${notRun} later statements were not run`);
    expect(run.stdout).toContain(
      `${expected.length} statements: ${failedAt} succeeded, 1 failed, ${notRun} not run`,
    );
    const result = run.stdout.slice(run.stdout.indexOf('result:'));
    // the failed statement has its FAILED log line; the result lists only what was not run
    expect(run.stdout).toMatch(new RegExp(`^FAILED {2}\\[ *\\d+/\\d+\\] ${where(failed)}`, 'm'));
    expect(result).not.toContain(where(failed));
    for (const later of expected.slice(failedAt + 1)) expect(result).toContain(`not run    ${where(later)}`);
    expect(s3.requests).toEqual([]);
  });

  it('reports a failed login with its code and runs nothing', async () => {
    await startFake(postApplyRules(), true);
    const run = await apply();
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^Snowflake refused the login of user \S+ on Snowflake account \S+ at http:\/\/127\.0\.0\.1:\d+ \(390100\): Incorrect username or password was specified\.$/m,
    );
    expect(fake.statements).toEqual([]);
    expect(run.stdout).toContain(`0 succeeded, 0 failed, ${expected.length} not run`);
  });

  it('--dry-run prints the same plan and sends nothing, not even a login', async () => {
    await startFake();
    const run = await apply(['--dry-run']);
    expect(run.code).toBe(0);
    expect(fake.requests).toEqual([]);
    expect(s3.requests).toEqual([]);
    expect(run.stdout).toContain(`plan: ${expected.length} statements`);
    const planLines = run.stdout.split('\n').filter((l) => /^ {2}\[ *\d+\/\d+\] /.test(l));
    expect(planLines).toHaveLength(expected.length);
    expected.forEach((s, i) => {
      expect(planLines[i]).toContain(where(s));
    });
    expect(run.stdout).toContain('user loader on account testacct');
    expect(run.stdout).not.toContain(PASSWORD);
  });

  it('--dry-run works without any Snowflake settings', async () => {
    await startFake();
    const run = await apply(['--dry-run'], {});
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('no Snowflake connection settings');
    expect(fake.requests).toEqual([]);
  });

  it('refuses a stale generated/ directory and points at `snowstage generate`', async () => {
    await startFake();
    const pipe = join(work, 'generated/bookstore/2_tables/books/4_pipe.sql');
    await writeFile(pipe, `${await readFile(pipe, 'utf8')}\n-- edited by hand\n`);
    const edited = await apply();
    expect(edited.code).toBe(1);
    expect(edited.stderr).toContain('generated/bookstore is stale');
    expect(edited.stderr).toContain('changed generated/bookstore/2_tables/books/4_pipe.sql');
    expect(edited.stderr).toContain('run `snowstage generate`');
    const dry = await apply(['--dry-run']);
    expect(dry.code).toBe(1);

    await rm(join(work, 'generated'), { recursive: true });
    const missing = await apply();
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('added   generated/bookstore/1_pipeline/1_schemas.sql');
    expect(fake.requests).toEqual([]);
  });

  it('refuses when the environment renders different SQL than was generated (another bucket)', async () => {
    await startFake();
    const run = await apply([], env({ S3_BUCKET: 'another-bucket' }));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('is stale');
    expect(fake.requests).toEqual([]);
  });

  it('refuses without connection settings and names the variables', async () => {
    await startFake();
    const run = await apply([], { AWS_ENDPOINT_URL_S3: s3.endpoint });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('SNOWFLAKE_ACCOUNT');
    expect(run.stderr).toContain('SNOWFLAKE_PASSWORD');
    expect(fake.requests).toEqual([]);
  });

  it('--pipeline must name the pipeline of the metadata', async () => {
    await startFake();
    const wrong = await apply(['--pipeline', 'shop']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('describes pipeline bookstore');
    expect(fake.requests).toEqual([]);
    expect((await apply(['--pipeline', 'bookstore', '--dry-run'])).code).toBe(0);
  });

  it('has --help with examples and exits 2 on unknown options', async () => {
    await startFake();
    const help = await runCommand(['apply', '--help'], { cwd: work });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Examples:');
    expect(help.stdout).toContain('$ snowstage apply --dry-run');
    expect((await apply(['--dryrun'])).code).toBe(2);
  });
});

describe('secrets', () => {
  const SENTINEL_PASSPHRASE = 'Sentinel-Passphrase-1a2b3c';

  async function everythingWritten(runs: { stdout: string; stderr: string }[]): Promise<string> {
    const { listFiles } = await import('./fixtures.js');
    const files = await listFiles(work);
    const contents = await Promise.all(files.map((f) => readFile(join(work, f), 'utf8')));
    return [...runs.flatMap((r) => [r.stdout, r.stderr]), ...contents, files.join('\n')].join('\n');
  }

  it('never prints the password: success, statement error echoing it, failed login', async () => {
    await startFake([
      {
        match: /^CREATE OR REPLACE VIEW/,
        reply: {
          error: { code: '000606', sqlState: '57P03', message: `No active warehouse (login ${PASSWORD})` },
        },
      },
      ...postApplyRules(),
    ]);
    const failedStatement = await apply();
    expect(failedStatement.code).toBe(1);
    expect(failedStatement.stderr).toContain('No active warehouse (login ***)');
    await fake.close();
    await startFake();
    const ok = await apply();
    expect(ok.code).toBe(0);
    await fake.close();
    await startFake(postApplyRules(), true);
    const refused = await apply();
    const dry = await apply(['--dry-run']);
    const all = await everythingWritten([failedStatement, ok, refused, dry]);
    expect(all).not.toContain(PASSWORD);
    expect(existsSync(join(work, 'snowflake.log'))).toBe(false);
  });

  it('an account that does not answer: says where it connects, gives up after the timeout, names the setting', async () => {
    await startFake();
    const { createServer } = await import('node:http');
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    const run = await apply(
      [],
      env({ SNOWFLAKE_ACCESS_URL: `http://127.0.0.1:${port}`, SNOWFLAKE_CONNECT_TIMEOUT_SECONDS: '1' }),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `connecting to Snowflake: user loader on account testacct at http://127.0.0.1:${port}, role SNOWSTAGE_LOADER, warehouse ETL_WH, password auth\n` +
        `could not connect to Snowflake account testacct at http://127.0.0.1:${port}: no answer within 1 s ` +
        '(SNOWFLAKE_CONNECT_TIMEOUT_SECONDS); check SNOWFLAKE_ACCOUNT, SNOWFLAKE_ACCESS_URL and the network path to it\n' +
        'nothing was run\n',
    );
    expect(run.stdout).toContain(`0 succeeded, 0 failed, ${expected.length} not run`);
    expect(`${run.stdout}${run.stderr}`).not.toContain(PASSWORD);
  });

  it('refuses a connect timeout that is not a number of seconds', async () => {
    await startFake();
    const run = await apply([], env({ SNOWFLAKE_CONNECT_TIMEOUT_SECONDS: 'soon' }));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('SNOWFLAKE_CONNECT_TIMEOUT_SECONDS must be a number of seconds');
    expect(fake.requests).toEqual([]);
  });

  it('never prints key material: key-pair login from SNOWFLAKE_PRIVATE_KEY with a passphrase', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: {
        type: 'pkcs8',
        format: 'pem',
        cipher: 'aes-256-cbc',
        passphrase: SENTINEL_PASSPHRASE,
      },
    });
    await startFake();
    const keyEnv = {
      SNOWFLAKE_ACCOUNT: 'testacct',
      SNOWFLAKE_USER: 'loader',
      // flattened onto one line, as CI secret stores often do
      SNOWFLAKE_PRIVATE_KEY: privateKey.replace(/\n/g, '\\n'),
      SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: SENTINEL_PASSPHRASE,
      SNOWFLAKE_ACCESS_URL: fake.accessUrl,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
    };
    const run = await apply([], keyEnv);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('key-pair auth');
    const login = fake.loginBodies[0] as { data: Record<string, unknown> };
    expect(login.data.AUTHENTICATOR).toBe('SNOWFLAKE_JWT');
    const wrongPassphrase = await apply([], {
      ...keyEnv,
      SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: 'Wrong-Sentinel-77',
    });
    expect(wrongPassphrase.code).toBe(1);
    expect(wrongPassphrase.stderr).toContain(
      'the private key could not be decrypted: the passphrase is wrong; nothing was sent to Snowflake. ' +
        'Check SNOWFLAKE_PRIVATE_KEY and SNOWFLAKE_PRIVATE_KEY_PASSPHRASE (set, but it does not decrypt the key)\n',
    );
    expect(wrongPassphrase.stderr).not.toMatch(/Snowflake error|ERR_OSSL|\n\s+at /);
    const all = await everythingWritten([run, wrongPassphrase]);
    expect(all).not.toContain(SENTINEL_PASSPHRASE);
    expect(all).not.toContain('Wrong-Sentinel-77');
    for (const line of privateKey.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----'))) {
      expect(all).not.toContain(line);
    }
  });
});

describe('apply in a child process', () => {
  it('writes only its own output: nothing from the driver, no snowflake.log, no secret', async () => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const { pathToFileURL } = await import('node:url');
    const { ROOT } = await import('./harness.js');
    await startFake();
    const refusing = await startFakeSnowflake({ loginFailure: LOGIN_FAILED });
    const script = join(work, 'run-apply.mjs');
    const harness = pathToFileURL(join(ROOT, 'test/apply/harness.ts')).href;
    await writeFile(
      script,
      [
        `process.chdir(${JSON.stringify(work)});`,
        `const { runCommand } = await import(${JSON.stringify(harness)});`,
        'const env = JSON.parse(process.env.APPLY_ENV);',
        `const ok = await runCommand(['apply'], { cwd: ${JSON.stringify(work)}, env });`,
        `const refused = await runCommand(['apply'], { cwd: ${JSON.stringify(work)}, env: { ...env, SNOWFLAKE_ACCESS_URL: ${JSON.stringify(refusing.accessUrl)} } });`,
        // exit once written: an idle keep-alive socket must not hold the child open
        "process.stdout.write(JSON.stringify({ ok, refused }) + '\\n', () => process.exit(0));",
      ].join('\n'),
    );
    const childEnv: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      AWS_ACCESS_KEY_ID: 'test-key',
      AWS_SECRET_ACCESS_KEY: 'test-secret',
      APPLY_ENV: JSON.stringify(env()),
    };
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], {
      env: childEnv,
      cwd: ROOT,
      timeout: 30_000,
    }).finally(() => refusing.close());
    expect(stderr).toBe('');
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1); // the JSON line: nothing else reached the real stdout
    const runs = JSON.parse(lines[0] ?? '{}') as Record<
      'ok' | 'refused',
      { code: number; stdout: string; stderr: string }
    >;
    expect(runs.ok.code).toBe(0);
    expect(runs.refused.code).toBe(1);
    expect(runs.refused.stderr).toContain('Snowflake refused the login of user');
    expect(stdout).not.toContain(PASSWORD);
    expect(existsSync(join(work, 'snowflake.log'))).toBe(false);
  });
});
