/**
 * Migrations through `apply`: listed by a dry run, run only when named, statement by statement over one session,
 * and stopped by their Snowflake Scripting checks. The real snowflake-sdk talks to the local fake
 * (test/support/fake-snowflake.ts); the fake cannot evaluate a block, so a failing check is answered the way
 * Snowflake reports an uncaught user exception.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateCommand } from '../../src/cli/commands/generate.js';
import { type FakeSnowflake, startFakeSnowflake } from '../support/fake-snowflake.js';
import { postApplyRules } from './fixtures.js';
import { prepareWorkDir, runCommand } from './harness.js';

let work: string;
let fake: FakeSnowflake | undefined;

beforeEach(async () => {
  work = await prepareWorkDir();
});
afterEach(async () => {
  await fake?.close();
  fake = undefined;
  await rm(work, { recursive: true, force: true });
});

async function regenerate(): Promise<void> {
  const quiet = { write: () => true };
  const code = await generateCommand(
    { stdout: quiet, stderr: quiet, env: {}, cwd: work },
    { metadata: 'metadata', out: 'generated', check: false },
  );
  if (code !== 0) throw new Error(`generate failed with ${code}`);
}

function env(): Record<string, string> {
  return {
    SNOWFLAKE_ACCOUNT: 'testacct',
    SNOWFLAKE_USER: 'loader',
    SNOWFLAKE_PASSWORD: 'Sentinel-Password-1234',
    SNOWFLAKE_ACCESS_URL: fake?.accessUrl ?? '',
  };
}

const apply = (args: string[], environment: Record<string, string> = {}) =>
  runCommand(['apply', ...args], { cwd: work, env: environment });

const ddlSent = () => (fake?.statements ?? []).filter((s) => !s.startsWith('DESC '));

describe('a removed table', () => {
  beforeEach(async () => {
    await rm(join(work, 'metadata/tables/book_reviews.yaml'));
    await regenerate();
  });

  it('apply --dry-run lists its migration, and the normal plan drops nothing', async () => {
    const run = await apply(['--dry-run']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      'migrations (not part of this plan; each runs only as `snowstage apply --migration <name>`):\n' +
        '  001_retire_table_book_reviews  retire table book_reviews (removed from the metadata): pause and drop ' +
        'pipe "ANALYTICS"."BOOKSTORE_RAW"."BOOK_REVIEWS_PIPE", task "ANALYTICS"."BOOKSTORE_RAW"."BOOK_REVIEWS_MERGE", ' +
        'stream "ANALYTICS"."BOOKSTORE_RAW"."BOOK_REVIEWS_STREAM"; keep tables "ANALYTICS"."BOOKSTORE_RAW"."BOOK_REVIEWS", ' +
        '"ANALYTICS"."BOOKSTORE"."BOOK_REVIEWS".',
    );
    expect(run.stdout).not.toMatch(/\] generated\/bookstore\/migrations\//);
    expect(run.stdout).not.toContain('DROP ');
  });

  it('apply --migration pauses and drops its pipe, task and stream, in order, over one session', async () => {
    fake = await startFakeSnowflake({ rules: postApplyRules() });
    const run = await apply(['--migration', '001_retire_table_book_reviews', '--no-notifications'], env());
    expect(run.code, run.stderr).toBe(0);
    const raw = '"ANALYTICS"."BOOKSTORE_RAW"';
    expect(ddlSent()).toEqual([
      `ALTER PIPE IF EXISTS ${raw}."BOOK_REVIEWS_PIPE" SET PIPE_EXECUTION_PAUSED = TRUE`,
      `ALTER TASK IF EXISTS ${raw}."BOOK_REVIEWS_MERGE" SUSPEND`,
      `DROP PIPE IF EXISTS ${raw}."BOOK_REVIEWS_PIPE"`,
      `DROP TASK IF EXISTS ${raw}."BOOK_REVIEWS_MERGE"`,
      `DROP STREAM IF EXISTS ${raw}."BOOK_REVIEWS_STREAM"`,
    ]);
    expect(fake.loginBodies).toHaveLength(1);
  });
});

describe('pipe recreation', () => {
  beforeEach(async () => {
    const file = join(work, 'metadata/tables/books.yaml');
    await writeFile(file, `${await readFile(file, 'utf8')}s3_path: catalogue/books\n`);
    await regenerate();
  });

  const isPausedCheck = (sql: string) => sql.startsWith('EXECUTE IMMEDIATE $$') && sql.includes("'PAUSED'");

  it('stops before recreating the pipe when the check raises (not paused, or files pending)', async () => {
    fake = await startFakeSnowflake({
      rules: [
        {
          match: isPausedCheck,
          reply: {
            error: {
              code: '-20101',
              sqlState: 'P0001',
              message:
                "Uncaught exception of type 'PIPE_NOT_READY' on line 10 at position 4 : snowstage: pipe …",
            },
          },
        },
        ...postApplyRules(),
      ],
    });
    const run = await apply(['--migration', '001_recreate_pipe_books', '--no-notifications'], env());
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('-20101');
    const sent = ddlSent();
    expect(sent.some(isPausedCheck)).toBe(true);
    expect(sent.some((s) => s.startsWith('CREATE OR REPLACE PIPE'))).toBe(false);
    expect(sent.some((s) => s.includes('REFRESH'))).toBe(true); // only inside the SET that records the time
    expect(sent.filter((s) => s.startsWith('EXECUTE IMMEDIATE $SNOWSTAGE_REFRESH'))).toEqual([]);
  });

  it('records the pause time, checks, recreates and refreshes since the pause, all in one session', async () => {
    fake = await startFakeSnowflake({ rules: postApplyRules() });
    const run = await apply(['--migration', '001_recreate_pipe_books', '--no-notifications'], env());
    expect(run.code, run.stderr).toBe(0);
    const firstLines = ddlSent().map((s) => s.split('\n')[0]);
    expect(firstLines).toEqual([
      expect.stringMatching(
        /^SET SNOWSTAGE_REFRESH_1 = \(SELECT 'ALTER PIPE .* REFRESH MODIFIED_AFTER = '''/,
      ),
      'ALTER PIPE IF EXISTS "ANALYTICS"."BOOKSTORE_RAW"."BOOKS_PIPE" SET PIPE_EXECUTION_PAUSED = TRUE',
      'EXECUTE IMMEDIATE $$',
      'CREATE OR REPLACE PIPE "ANALYTICS"."BOOKSTORE_RAW"."BOOKS_PIPE"',
      'ALTER PIPE "ANALYTICS"."BOOKSTORE_RAW"."BOOKS_PIPE" SET PIPE_EXECUTION_PAUSED = TRUE',
      'EXECUTE IMMEDIATE $SNOWSTAGE_REFRESH_1',
      'ALTER PIPE "ANALYTICS"."BOOKSTORE_RAW"."BOOKS_PIPE" SET PIPE_EXECUTION_PAUSED = FALSE',
      'EXECUTE IMMEDIATE $$',
    ]);
    // the whole block reached Snowflake as one statement, closing $$ included
    expect(ddlSent()[2]).toMatch(/\nEND;\n\$\$$/);
    // the session variable lives in the session: one login for the whole migration
    expect(fake.loginBodies).toHaveLength(1);
  });
});

describe('a delete_detection table switched to the Lambda COPY loader', () => {
  beforeEach(async () => {
    const file = join(work, 'metadata/tables/book_reviews.yaml');
    const original = await readFile(file, 'utf8');
    await writeFile(file, `${original}delete_detection: { every_minutes: 60 }\n`);
    await regenerate();
    await writeFile(file, `${original}delete_detection: { every_minutes: 60 }\nloader: lambda\n`);
    await regenerate();
  });

  const raw = '"ANALYTICS"."BOOKSTORE_RAW"';
  const pipes = ['BOOK_REVIEWS_PIPE', 'BOOK_REVIEWS_KEYS_PIPE', 'BOOK_REVIEWS_KEY_SNAPSHOTS_PIPE'];
  const gateOf = (pipe: string) => (sql: string) =>
    sql.startsWith('EXECUTE IMMEDIATE $$') && sql.includes(`SYSTEM$PIPE_STATUS('${raw}."${pipe}"')`);

  it('pauses all three pipes, checks each, then drops them', async () => {
    fake = await startFakeSnowflake({ rules: postApplyRules() });
    const run = await apply(['--migration', '001_retire_pipes_book_reviews', '--no-notifications'], env());
    expect(run.code, run.stderr).toBe(0);
    const sent = ddlSent();
    expect(sent.map((s) => s.split('\n')[0])).toEqual([
      ...pipes.map((p) => `ALTER PIPE IF EXISTS ${raw}."${p}" SET PIPE_EXECUTION_PAUSED = TRUE`),
      ...pipes.map(() => 'EXECUTE IMMEDIATE $$'),
      ...pipes.map((p) => `DROP PIPE IF EXISTS ${raw}."${p}"`),
    ]);
    for (const [i, pipe] of pipes.entries()) expect(gateOf(pipe)(sent[3 + i] ?? '')).toBe(true);
  });

  it('drops no pipe when the check of a key pipe raises, so the migration can be run again', async () => {
    fake = await startFakeSnowflake({
      rules: [
        {
          match: gateOf('BOOK_REVIEWS_KEY_SNAPSHOTS_PIPE'),
          reply: {
            error: {
              code: '-20101',
              sqlState: 'P0001',
              message:
                "Uncaught exception of type 'PIPE_NOT_READY' on line 10 at position 4 : snowstage: pipe …",
            },
          },
        },
        ...postApplyRules(),
      ],
    });
    const run = await apply(['--migration', '001_retire_pipes_book_reviews', '--no-notifications'], env());
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('-20101');
    expect(ddlSent().filter((s) => s.startsWith('DROP PIPE'))).toEqual([]);
  });
});
