/**
 * `snowstage plan` end to end: the CLI in-process (src/cli/main.ts), the real snowflake-sdk, and the local endpoint
 * answering SHOW from a fake catalog in Snowflake's documented shapes. The "applied" account is built by
 * interpreting the generated SQL (applied-catalog.ts), not from plan's own wanted state.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { prepareWorkDir, ROOT } from '../apply/harness.js';
import { runCli } from '../cli/run.js';
import { type CatalogTable, catalogRule, emptyCatalog, type FakeCatalog } from '../support/fake-catalog.js';
import { type FakeSnowflake, startFakeSnowflake } from '../support/fake-snowflake.js';
import { catalogAfterApply, dataTypeJson } from './applied-catalog.js';

const PASSWORD = 'plan-test-secret-Xq9';
const RAW = '"ANALYTICS"."BOOKSTORE_RAW"';
const TARGET = '"ANALYTICS"."BOOKSTORE"';

let work: string;
let fake: FakeSnowflake | undefined;
let catalog: FakeCatalog;

beforeEach(async () => {
  work = await prepareWorkDir();
  catalog = await catalogAfterApply(join(work, 'generated/bookstore'), 'ANALYTICS');
});

afterEach(async () => {
  await fake?.close();
  fake = undefined;
  await rm(work, { recursive: true, force: true });
});

async function plan(args: string[] = [], extraEnv: Record<string, string> = {}) {
  fake ??= await startFakeSnowflake({ rules: [catalogRule(catalog)] });
  const env = {
    SNOWFLAKE_ACCOUNT: 'testacct',
    SNOWFLAKE_USER: 'loader',
    SNOWFLAKE_PASSWORD: PASSWORD,
    SNOWFLAKE_ACCESS_URL: fake.accessUrl,
    ...extraEnv,
  };
  const run = await runCli(['plan', ...args], { cwd: work, env });
  expect(`${run.stdout}${run.stderr}`).not.toContain(PASSWORD);
  return run;
}

function table(schema: string, name: string): CatalogTable {
  const found = catalog.tables.find((t) => t.schema === schema && t.name === name);
  if (!found) throw new Error(`no table ${schema}.${name} in the applied catalog`);
  return found;
}

/** The lines of stdout that mention `text`. */
function linesWith(stdout: string, text: string): string[] {
  return stdout.split('\n').filter((line) => line.includes(text));
}

describe('snowstage plan', () => {
  it('a fresh account (the database exists, nothing else): every object to create, exit 3, only SHOW sent', async () => {
    catalog = emptyCatalog('ANALYTICS');
    const run = await plan();
    expect(run.code).toBe(3);
    expect(run.stdout).toBe(
      [
        'snowstage plan: pipeline bookstore',
        '',
        `  + schema ${RAW}  # apply creates it`,
        `  + schema ${TARGET}  # apply creates it`,
        `  + file format ${RAW}."BOOKSTORE_CSV"  # apply creates it`,
        `  + file format ${RAW}."BOOKSTORE_CSV_QUERY"  # apply creates it`,
        `  + stage ${RAW}."BOOKSTORE_STAGE"  # apply creates it`,
        `  + table ${RAW}."BOOK_REVIEWS" (book_reviews: landing table)  # apply creates it`,
        `  + table ${TARGET}."BOOK_REVIEWS" (book_reviews: target table)  # apply creates it`,
        `  + table ${RAW}."BOOKS" (books: landing table)  # apply creates it`,
        `  + table ${TARGET}."BOOKS" (books: target table)  # apply creates it`,
        `  + stream ${RAW}."BOOK_REVIEWS_STREAM" (book_reviews: stream)  # apply creates it`,
        `  + stream ${RAW}."BOOKS_STREAM" (books: stream)  # apply creates it`,
        `  + pipe ${RAW}."BOOK_REVIEWS_PIPE" (book_reviews: pipe)  # apply creates it`,
        `  + pipe ${RAW}."BOOKS_PIPE" (books: pipe)  # apply creates it`,
        `  + task ${RAW}."BOOK_REVIEWS_MERGE" (book_reviews: MERGE task)  # apply creates it`,
        `  + task ${RAW}."BOOKS_MERGE" (books: MERGE task)  # apply creates it`,
        `  + view ${TARGET}."BOOK_REVIEWS_LIVE" (book_reviews: live view)  # apply creates it`,
        `  + view ${TARGET}."BOOKS_LIVE" (books: live view)  # apply creates it`,
        `  + view ${RAW}."SNOWSTAGE_PIPE_STATUS" (monitoring view)  # apply creates it`,
        `  + view ${RAW}."SNOWSTAGE_COPY_HISTORY" (monitoring view)  # apply creates it`,
        `  + view ${RAW}."SNOWSTAGE_TASK_HISTORY" (monitoring view)  # apply creates it`,
        '',
        'Plan: 20 to create, 0 to change.',
        '',
      ].join('\n'),
    );
    // No schema exists, so nothing is read inside one (SHOW … IN SCHEMA of a missing schema is an error).
    expect(fake?.statements).toEqual(['SHOW SCHEMAS IN DATABASE "ANALYTICS"']);
    expect(run.stderr).toBe(
      'connecting to Snowflake: user loader on account testacct at ' +
        `${fake?.accessUrl}, role SNOWSTAGE_LOADER, warehouse ETL_WH, password auth\n`,
    );
  });

  it('snapshot tables (mode: snapshot, keyed and keyless): applied, no changes; fresh, no stream to create', async () => {
    await writeFile(
      join(work, 'metadata/tables/currencies.yaml'),
      'name: currencies\nsource_table: currencies\nmode: snapshot\nprimary_key: [code]\ncolumns:\n  - { name: code, type: char(3), nullable: false }\n  - { name: rate, type: int }\n',
    );
    await writeFile(
      join(work, 'metadata/tables/zones.yaml'),
      'name: zones\nsource_table: zones\nmode: snapshot\ncolumns:\n  - { name: zone, type: varchar(16) }\n',
    );
    const generated = await runCli(['generate'], { cwd: work, env: {} });
    expect(generated.code, generated.stderr).toBe(0);
    catalog = await catalogAfterApply(join(work, 'generated/bookstore'), 'ANALYTICS');
    const applied = await plan();
    expect(applied.stdout).toBe('No changes: the account matches pipeline bookstore.\n');
    await fake?.close();
    fake = undefined;
    catalog = emptyCatalog('ANALYTICS');
    const fresh = await plan();
    expect(linesWith(fresh.stdout, 'CURRENCIES')).toEqual([
      `  + table ${RAW}."CURRENCIES" (currencies: landing table)  # apply creates it`,
      `  + table ${TARGET}."CURRENCIES" (currencies: target table)  # apply creates it`,
      `  + pipe ${RAW}."CURRENCIES_PIPE" (currencies: pipe)  # apply creates it`,
      `  + task ${RAW}."CURRENCIES_MERGE" (currencies: MERGE task)  # apply creates it`,
      `  + view ${TARGET}."CURRENCIES_LIVE" (currencies: live view)  # apply creates it`,
    ]);
    expect(linesWith(fresh.stdout, 'STREAM"')).not.toContain(expect.stringContaining('ZONES'));
  });

  it('an account equal to the generated state: no changes, exit 0, read with SHOW … IN SCHEMA only', async () => {
    const run = await plan();
    expect(run.stdout).toBe('No changes: the account matches pipeline bookstore.\n');
    expect(run.code).toBe(0);
    const statements = fake?.statements ?? [];
    expect(statements.every((s) => s.startsWith('SHOW '))).toBe(true);
    expect(statements).toContain(`SHOW PIPES IN SCHEMA ${RAW}`);
    expect(statements).toContain(`SHOW TABLES IN SCHEMA ${TARGET}`);
    expect(statements).toContain(`SHOW COLUMNS IN TABLE ${TARGET}."BOOKS"`);
    expect(statements).toContain(`SHOW VIEWS IN SCHEMA ${TARGET}`);
    // the storage integration is the administrator's (admin/grants.sql, apply --grants): plan does not read it
    expect(statements.some((s) => /INTEGRATION/.test(s))).toBe(false);
  });

  it('a column missing from a target table: apply adds it', async () => {
    const books = table('BOOKSTORE', 'BOOKS');
    books.columns = books.columns.filter((c) => c.name !== 'PRICE');
    const run = await plan();
    expect(run.code).toBe(3);
    expect(linesWith(run.stdout, 'BOOKS')).toEqual([`  ~ table ${TARGET}."BOOKS" (books: target table)`]);
    expect(linesWith(run.stdout, 'PRICE')).toEqual([
      '      + column "PRICE" NUMBER(10,2)  # apply adds it (ADD COLUMN IF NOT EXISTS)',
    ]);
    expect(run.stdout).toContain('Plan: 0 to create, 1 to change.\n');
  });

  it('columns of another type: VARCHAR(120) widens in place, NUMBER(12,4) → (10,2) needs a rebuild; apply leaves both', async () => {
    const books = table('BOOKSTORE', 'BOOKS');
    const retype = (name: string, declared: string) => {
      const column = books.columns.find((c) => c.name === name);
      if (column) column.dataType = dataTypeJson(declared);
    };
    retype('TITLE', 'VARCHAR(120)');
    retype('PRICE', 'NUMBER(12,4)');
    const run = await plan();
    expect(run.code).toBe(3);
    expect(linesWith(run.stdout, 'column')).toEqual([
      '      ~ column "TITLE" VARCHAR(120) -> VARCHAR(500)  # apply does not change it; ' +
        'ALTER TABLE … ALTER COLUMN … SET DATA TYPE can widen it in place',
      '      ~ column "PRICE" NUMBER(12,4) -> NUMBER(10,2)  # apply does not change it; ' +
        'Snowflake cannot convert it in place: the column must be rebuilt',
    ]);
    expect(run.stdout).toContain('Plan: 0 to create, 0 to change, 2 that apply leaves as they are.\n');
  });

  it('types written differently but equal in Snowflake (VARCHAR = VARCHAR(16777216)) are no change', async () => {
    const landing = table('BOOKSTORE_RAW', 'BOOKS');
    const file = landing.columns.find((c) => c.name === '_SNOWSTAGE_FILE');
    expect(file?.dataType).toMatchObject({ type: 'TEXT', length: 16777216 });
    const run = await plan();
    expect(run.code).toBe(0);
  });

  it('a landing column wider than generated (what generate keeps after a type change) is no change; a narrower one is listed', async () => {
    const landing = table('BOOKSTORE_RAW', 'BOOKS');
    const retype = (name: string, declared: string) => {
      const column = landing.columns.find((c) => c.name === name);
      if (!column) throw new Error(`no column ${name}`);
      column.dataType = dataTypeJson(declared);
    };
    retype('TITLE', 'VARCHAR(134217728)');
    expect(await plan().then((r) => r.code)).toBe(0);
    retype('AUTHOR', 'VARCHAR(100)');
    const run = await plan();
    expect(run.code).toBe(3);
    expect(linesWith(run.stdout, 'column')).toEqual([
      '      ~ column "AUTHOR" VARCHAR(100) -> VARCHAR(16777216)  # apply does not change it; ' +
        'ALTER TABLE … ALTER COLUMN … SET DATA TYPE can widen it in place',
    ]);
  });

  it('a pipe whose COPY differs: recreate through a migration; whitespace alone is no difference', async () => {
    const books = catalog.pipes.find((p) => p.name === 'BOOKS_PIPE');
    const reviews = catalog.pipes.find((p) => p.name === 'BOOK_REVIEWS_PIPE');
    if (!books || !reviews) throw new Error('pipes missing from the applied catalog');
    books.definition = books.definition.replace('/books/', '/books_v1/');
    reviews.definition = reviews.definition.replace(/\n\s*/g, '\r\n\t ');
    const run = await plan();
    expect(run.code).toBe(3);
    const lines = run.stdout.split('\n');
    const at = lines.indexOf(`  -/+ pipe ${RAW}."BOOKS_PIPE" (books: pipe)`);
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toBe(
      '      ~ definition  # the COPY differs; apply never replaces a pipe (it would lose its load history): ' +
        'no migration in generated/bookstore/migrations/ recreates it: run generate if the metadata changed ' +
        '(it writes one), else the pipe was changed outside snowstage',
    );
    // both texts from a little before their first difference (JSON carries them whole)
    expect(lines[at + 2]).toBe(
      `          live:   …."BOOKSTORE_RAW"."BOOKSTORE_STAGE"/books_v1/ FILE_FORMAT = (FORMAT_NAME = '"ANALYTICS"."BOOKSTORE_RAW"."BOOKSTORE_CSV"')…`,
    );
    expect(lines[at + 3]).toBe(
      `          wanted: …."BOOKSTORE_RAW"."BOOKSTORE_STAGE"/books/ FILE_FORMAT = (FORMAT_NAME = '"ANALYTICS"."BOOKSTORE_RAW"."BOOKSTORE_CSV"') MA…`,
    );
    expect(run.stdout).not.toContain('BOOK_REVIEWS_PIPE');
    expect(run.stdout).toContain('Plan: 0 to create, 0 to change, 1 needing a migration.\n');
  });

  it('a table moved to another S3 folder after apply: generate writes the migration, plan names it', async () => {
    const tableFile = join(work, 'metadata/tables/books.yaml');
    await writeFile(
      tableFile,
      (await readFile(tableFile, 'utf8')).replace(
        'source_table: books',
        'source_table: books\ns3_path: books_v2',
      ),
    );
    const generate = await runCli(['generate'], { cwd: work });
    expect(generate.code).toBe(0);
    const run = await plan();
    expect(run.code).toBe(3);
    expect(run.stdout).toContain(
      `  -/+ pipe ${RAW}."BOOKS_PIPE" (books: pipe)\n` +
        '      ~ definition  # the COPY differs; apply never replaces a pipe (it would lose its load history): ' +
        'review and run generated/bookstore/migrations/001_recreate_pipe_books.sql with apply --migration 001_recreate_pipe_books\n',
    );
    expect(run.stdout).toContain('Plan: 0 to create, 0 to change, 1 needing a migration.\n');
  });

  it('a stage on another URL or integration: a migration, never altered by apply', async () => {
    const stage = catalog.stages[0];
    if (!stage) throw new Error('stage missing');
    expect(stage).toMatchObject({
      url: 's3://snowstage-bookstore/bookstore/data/',
      storageIntegration: 'SNOWSTAGE_BOOKSTORE_S3',
    });
    stage.url = 's3://old-bucket/bookstore/data/';
    stage.storageIntegration = 'OLD_INTEGRATION';
    const run = await plan();
    expect(run.code).toBe(3);
    const note =
      '  # apply never alters a stage (its pipes would stop): a stage move is a migration, which generate writes when the metadata changed';
    expect(run.stdout).toBe(
      [
        'snowstage plan: pipeline bookstore',
        '',
        `  ~ stage ${RAW}."BOOKSTORE_STAGE"`,
        `      ~ url${note}`,
        '          live:   s3://old-bucket/bookstore/data/',
        '          wanted: s3://snowstage-bookstore/bookstore/data/',
        `      ~ storage_integration OLD_INTEGRATION -> SNOWSTAGE_BOOKSTORE_S3${note}`,
        '',
        'Plan: 0 to create, 0 to change, 2 needing a migration.',
        '',
      ].join('\n'),
    );
  });

  it('a pipe and task missing beside their landing table: to create, with a hint that the role may not see them', async () => {
    catalog.pipes = catalog.pipes.filter((p) => p.name !== 'BOOKS_PIPE');
    catalog.tasks = catalog.tasks.filter((t) => t.name !== 'BOOKS_MERGE');
    const run = await plan();
    expect(run.code).toBe(3);
    const hint = (kind: string) =>
      `apply creates it; its landing table exists, so check it is not just invisible to this role (SHOW lists ${kind}s only with OWNERSHIP, MONITOR or OPERATE on them)`;
    expect(linesWith(run.stdout, '  + ')).toEqual([
      `  + pipe ${RAW}."BOOKS_PIPE" (books: pipe)  # ${hint('pipe')}`,
      `  + task ${RAW}."BOOKS_MERGE" (books: MERGE task)  # ${hint('task')}`,
    ]);
  });

  it('a suspended task: apply resumes it', async () => {
    const task = catalog.tasks.find((t) => t.name === 'BOOKS_MERGE');
    if (!task) throw new Error('task missing');
    task.state = 'suspended';
    const run = await plan();
    expect(run.code).toBe(3);
    expect(run.stdout).toBe(
      [
        'snowstage plan: pipeline bookstore',
        '',
        `  ~ task ${RAW}."BOOKS_MERGE" (books: MERGE task)`,
        '      ~ state suspended -> started  # apply resumes it',
        '',
        'Plan: 0 to create, 1 to change.',
        '',
      ].join('\n'),
    );
  });

  it('a task with another schedule, warehouse and condition: apply alters it in place', async () => {
    const task = catalog.tasks.find((t) => t.name === 'BOOK_REVIEWS_MERGE');
    if (!task) throw new Error('task missing');
    task.schedule = 'USING CRON 0 * * * * UTC';
    task.warehouse = null;
    task.condition = '';
    const run = await plan();
    expect(run.code).toBe(3);
    expect(linesWith(run.stdout, '      ~')).toEqual([
      '      ~ schedule USING CRON 0 * * * * UTC -> USING CRON */15 * * * * UTC  # apply alters it in place (CREATE OR ALTER TASK keeps its history)',
      '      ~ warehouse (serverless) -> ETL_WH  # apply alters it in place (CREATE OR ALTER TASK keeps its history)',
      '      ~ condition  # apply alters it in place (CREATE OR ALTER TASK keeps its history)',
    ]);
    expect(run.stdout).toContain(
      `          wanted: SYSTEM$STREAM_HAS_DATA('"ANALYTICS"."BOOKSTORE_RAW"."BOOK_REVIEWS_STREAM"')\n`,
    );
  });

  it('a task whose MERGE differs: apply alters it in place; the excerpt starts near the difference', async () => {
    const task = catalog.tasks.find((t) => t.name === 'BOOKS_MERGE');
    if (!task) throw new Error('task missing');
    expect(task.definition).toContain('TO_NUMBER(r."PRICE", 10, 2)');
    task.definition = task.definition.replace('TO_NUMBER(r."PRICE", 10, 2)', 'TO_NUMBER(r."PRICE", 10, 1)');
    const run = await plan();
    expect(run.code).toBe(3);
    const lines = run.stdout.split('\n');
    const at = lines.indexOf(
      '      ~ definition  # apply alters it in place (CREATE OR ALTER TASK keeps its history)',
    );
    expect(at).toBeGreaterThan(0);
    expect(lines[at - 1]).toBe(`  ~ task ${RAW}."BOOKS_MERGE" (books: MERGE task)`);
    expect(lines[at + 1]).toMatch(/^ {10}live: {3}….*TO_NUMBER\(r\."PRICE", 10, 1\)/);
    expect(lines[at + 2]).toMatch(/^ {10}wanted: ….*TO_NUMBER\(r\."PRICE", 10, 2\)/);
  });

  it('drift apply leaves alone: a stale stream, a transient table, a column the metadata does not have', async () => {
    const stream = catalog.streams.find((s) => s.name === 'BOOKS_STREAM');
    if (stream) stream.stale = true;
    const landing = table('BOOKSTORE_RAW', 'BOOK_REVIEWS');
    landing.kind = 'TRANSIENT';
    table('BOOKSTORE', 'BOOKS').columns.push({ name: 'LEGACY_CODE', dataType: dataTypeJson('VARCHAR(10)') });
    const run = await plan();
    expect(run.code).toBe(3);
    expect(run.stdout).toBe(
      [
        'snowstage plan: pipeline bookstore',
        '',
        `  ~ table ${RAW}."BOOK_REVIEWS" (book_reviews: landing table)`,
        '      ~ kind TRANSIENT -> TABLE  # apply does not change it: only a rebuilt table changes kind (Time Travel is lost, streams on it go stale)',
        `  ~ table ${TARGET}."BOOKS" (books: target table)`,
        '      ~ column "LEGACY_CODE" VARCHAR(10) (not generated)  # not in the metadata; apply leaves it (MERGE and pipe ignore it)',
        `  ~ stream ${RAW}."BOOKS_STREAM" (books: stream)`,
        '      ~ stale true -> false  # apply does not change it: a stream is recreated by hand, and loses its offset (unmerged rows)',
        '',
        'Plan: 0 to create, 0 to change, 3 that apply leaves as they are.',
        '',
      ].join('\n'),
    );
  });

  it('orphans: a snowstage table and pipe of a removed table are listed, objects without the tag are not', async () => {
    catalog.tables.push(
      {
        schema: 'BOOKSTORE_RAW',
        name: 'AUTHORS',
        comment: 'snowstage: landing table for MySQL table authors, loaded by Snowpipe',
        columns: [{ name: 'AUTHOR_ID', dataType: dataTypeJson('VARCHAR') }],
      },
      { schema: 'BOOKSTORE', name: 'HAND_MADE', comment: 'owned by the analysts', columns: [] },
    );
    catalog.pipes.push(
      {
        schema: 'BOOKSTORE_RAW',
        name: 'AUTHORS_PIPE',
        comment: 'snowstage: loads s3://snowstage-bookstore/bookstore/data/authors/ into AUTHORS',
        definition: `COPY INTO ${RAW}."AUTHORS" FROM @${RAW}."BOOKSTORE_STAGE"/authors/`,
      },
      { schema: 'BOOKSTORE_RAW', name: 'OTHER_PIPE', definition: 'COPY INTO X FROM @Y' },
    );
    const run = await plan();
    expect(run.code).toBe(3);
    expect(run.stdout).toBe(
      [
        'snowstage plan: pipeline bookstore',
        '',
        `  - table ${RAW}."AUTHORS"  # made by snowstage, no longer generated; apply leaves it: check and drop it by hand`,
        '      comment: snowstage: landing table for MySQL table authors, loaded by Snowpipe',
        `  - pipe ${RAW}."AUTHORS_PIPE"  # made by snowstage, no longer generated; apply leaves it: check and drop it by hand`,
        '      comment: snowstage: loads s3://snowstage-bookstore/bookstore/data/authors/ into AUTHORS',
        '',
        'Plan: 0 to create, 0 to change, 2 orphaned.',
        '',
      ].join('\n'),
    );
    // Columns are read only for generated tables.
    expect(fake?.statements).not.toContain(`SHOW COLUMNS IN TABLE ${RAW}."AUTHORS"`);
  });

  it('views: a missing live view is created by apply; a snowstage view no longer generated is an orphan', async () => {
    catalog.views = catalog.views.filter((v) => v.name !== 'BOOKS_LIVE');
    catalog.views.push(
      {
        schema: 'BOOKSTORE',
        name: 'AUTHORS_LIVE',
        comment: 'snowstage: rows of AUTHORS that are not deleted (MySQL table authors)',
        text: 'CREATE VIEW …',
      },
      { schema: 'BOOKSTORE', name: 'ANALYSTS_VIEW', comment: 'owned by the analysts', text: 'CREATE VIEW …' },
    );
    const run = await plan();
    expect(run.code).toBe(3);
    expect(run.stdout).toBe(
      [
        'snowstage plan: pipeline bookstore',
        '',
        `  + view ${TARGET}."BOOKS_LIVE" (books: live view)  # apply creates it`,
        `  - view ${TARGET}."AUTHORS_LIVE"  # made by snowstage, no longer generated; apply leaves it: check and drop it by hand`,
        '      comment: snowstage: rows of AUTHORS that are not deleted (MySQL table authors)',
        '',
        'Plan: 1 to create, 0 to change, 1 orphaned.',
        '',
      ].join('\n'),
    );
  });

  it("error integrations: a task's is altered by apply, a pipe's that the metadata no longer names is unset by hand", async () => {
    const pipe = catalog.pipes.find((p) => p.name === 'BOOKS_PIPE');
    const task = catalog.tasks.find((t) => t.name === 'BOOKS_MERGE');
    if (!pipe || !task) throw new Error('pipe or task missing');
    expect([pipe.errorIntegration, task.errorIntegration]).toEqual([null, null]);
    pipe.errorIntegration = 'OLD_ERRORS';
    task.errorIntegration = 'OLD_ERRORS';
    const run = await plan();
    expect(run.code).toBe(3);
    expect(linesWith(run.stdout, 'error_integration')).toEqual([
      '      ~ error_integration OLD_ERRORS -> (none)  # apply never unsets it: run ALTER PIPE … UNSET ERROR_INTEGRATION by hand',
      '      ~ error_integration OLD_ERRORS -> (none)  # apply alters it in place (CREATE OR ALTER TASK keeps its history)',
    ]);
    expect(run.stdout).toContain('Plan: 0 to create, 1 to change, 1 that apply leaves as they are.\n');
  });

  it('a table removed from the metadata: its pipe, task and stream name the retire migration generate wrote; its tables are kept', async () => {
    await rm(join(work, 'metadata/tables/book_reviews.yaml'));
    const generate = await runCli(['generate'], { cwd: work });
    expect(generate.code).toBe(0);
    const run = await plan();
    expect(run.code).toBe(3);
    const retire =
      'made by snowstage, no longer generated; apply leaves it: review and run ' +
      'generated/bookstore/migrations/001_retire_table_book_reviews.sql with apply --migration 001_retire_table_book_reviews (it drops it)';
    const byHand = 'made by snowstage, no longer generated; apply leaves it: check and drop it by hand';
    expect(linesWith(run.stdout, '  - ')).toEqual([
      `  - table ${RAW}."BOOK_REVIEWS"  # ${byHand}`,
      `  - table ${TARGET}."BOOK_REVIEWS"  # ${byHand}`,
      `  - stream ${RAW}."BOOK_REVIEWS_STREAM"  # ${retire}`,
      `  - pipe ${RAW}."BOOK_REVIEWS_PIPE"  # ${retire}`,
      `  - task ${RAW}."BOOK_REVIEWS_MERGE"  # ${retire}`,
      `  - view ${TARGET}."BOOK_REVIEWS_LIVE"  # ${byHand}`,
    ]);
    expect(run.stdout).toContain('Plan: 0 to create, 0 to change, 6 orphaned.\n');
  });

  it('a table switched to the Lambda COPY loader: no pipe wanted; its live pipe names the retire_pipe migration', async () => {
    await writeFile(
      join(work, 'metadata/tables/book_reviews.yaml'),
      `${await readFile(join(work, 'metadata/tables/book_reviews.yaml'), 'utf8')}loader: lambda\n`,
    );
    const generate = await runCli(['generate'], { cwd: work });
    expect(generate.code).toBe(0);
    const run = await plan();
    expect(run.code).toBe(3);
    expect(linesWith(run.stdout, '  - ')).toEqual([
      `  - pipe ${RAW}."BOOK_REVIEWS_PIPE"  # made by snowstage, no longer generated; apply leaves it: review and run ` +
        'generated/bookstore/migrations/001_retire_pipe_book_reviews.sql with apply --migration 001_retire_pipe_book_reviews (it drops it)',
    ]);
    expect(run.stdout).toContain('Plan: 0 to create, 0 to change, 1 orphaned.\n');
    // once the migration has dropped it, the account matches: no pipe is expected for the table
    catalog.pipes = catalog.pipes.filter((p) => p.name !== 'BOOK_REVIEWS_PIPE');
    const after = await plan();
    expect(after.stdout).toBe('No changes: the account matches pipeline bookstore.\n');
    expect(after.code).toBe(0);
  });

  it('a delete_detection table switched to the Lambda COPY loader: its data and key pipes are orphans the migration drops', async () => {
    const tableFile = join(work, 'metadata/tables/book_reviews.yaml');
    const original = await readFile(tableFile, 'utf8');
    await writeFile(tableFile, `${original}delete_detection: { every_minutes: 60 }\n`);
    expect((await runCli(['generate'], { cwd: work })).code).toBe(0);
    catalog = await catalogAfterApply(join(work, 'generated/bookstore'), 'ANALYTICS');
    expect(catalog.pipes.map((p) => p.name)).toContain('BOOK_REVIEWS_KEYS_PIPE');
    await writeFile(tableFile, `${original}delete_detection: { every_minutes: 60 }\nloader: lambda\n`);
    expect((await runCli(['generate'], { cwd: work })).code).toBe(0);
    const run = await plan();
    const retire = (pipe: string) =>
      `  - pipe ${RAW}."${pipe}"  # made by snowstage, no longer generated; apply leaves it: review and run ` +
      'generated/bookstore/migrations/001_retire_pipes_book_reviews.sql with apply --migration 001_retire_pipes_book_reviews (it drops it)';
    expect(linesWith(run.stdout, '  - ').sort()).toEqual(
      ['BOOK_REVIEWS_KEYS_PIPE', 'BOOK_REVIEWS_KEY_SNAPSHOTS_PIPE', 'BOOK_REVIEWS_PIPE'].map(retire).sort(),
    );
    expect(run.code).toBe(3);
    // once the migration has dropped them, the account matches: the key tables and tasks stay, no pipe is expected
    catalog.pipes = catalog.pipes.filter((p) => !p.name.startsWith('BOOK_REVIEWS_'));
    const after = await plan();
    expect(after.stdout).toBe('No changes: the account matches pipeline bookstore.\n');
    expect(after.code).toBe(0);
  });

  it('a column retyped in the metadata after apply: plan names the change_column_types migration generate wrote', async () => {
    const tableFile = join(work, 'metadata/tables/books.yaml');
    await writeFile(
      tableFile,
      (await readFile(tableFile, 'utf8'))
        .replace('type: varchar(500)', 'type: varchar(600)')
        .replace('type: "decimal(3,2)"', 'type: "decimal(4,3)"'),
    );
    const generate = await runCli(['generate'], { cwd: work });
    expect(generate.code).toBe(0);
    const run = await plan();
    expect(run.code).toBe(3);
    const advice =
      'apply does not change it: review and run generated/bookstore/migrations/001_change_column_types_books.sql ' +
      'with apply --migration 001_change_column_types_books';
    expect(linesWith(run.stdout, 'column')).toEqual([
      `      ~ column "TITLE" VARCHAR(500) -> VARCHAR(600)  # ${advice}`,
      `      ~ column "RATING" NUMBER(3,2) -> NUMBER(4,3)  # ${advice}`,
    ]);
    // the MERGE converts to the new type: apply alters the task
    expect(linesWith(run.stdout, '~ definition')).toEqual([
      '      ~ definition  # apply alters it in place (CREATE OR ALTER TASK keeps its history)',
    ]);
    expect(run.stdout).toContain('Plan: 0 to create, 1 to change, 2 needing a migration.\n');
  });

  it('exact-case and hostile names, a serverless cron task (golden case serverless-cron-exact-names): no changes', async () => {
    const golden = join(ROOT, 'test/golden/cases/serverless-cron-exact-names');
    const goldenEnv = JSON.parse(await readFile(join(golden, 'env.json'), 'utf8')) as Record<string, string>;
    catalog = await catalogAfterApply(join(golden, 'expected/lake2'), 'Lake');
    expect(catalog.tasks.map((t) => [t.warehouse, t.schedule, t.state])).toEqual([
      [null, 'USING CRON 30 2 * * 1-5 America/New_York', 'started'],
      [null, '60 MINUTES', 'started'],
    ]);
    const run = await plan(['-m', join(golden, 'metadata')], goldenEnv);
    expect(run.stdout).toBe('No changes: the account matches pipeline lake2.\n');
    expect(run.code).toBe(0);
    expect(fake?.statements).toContain('SHOW TABLES IN SCHEMA "Lake"."Raw Zone"');
    expect(catalog.pipes.map((p) => p.errorIntegration)).toEqual(['Lake Errors', 'Lake Errors']);
    // a pipe created before the integration was named: apply sets it
    (catalog.pipes[0] as { errorIntegration: string | null }).errorIntegration = null;
    // the same account without the hostile table's landing and target tables lists both to create
    catalog.tables = catalog.tables.filter((t) => !t.name.includes('DROP TABLE'));
    const again = await plan(['-m', join(golden, 'metadata')], goldenEnv);
    expect(again.code).toBe(3);
    expect(linesWith(again.stdout, '+ table')).toEqual([
      expect.stringContaining('DROP TABLE'),
      expect.stringContaining('DROP TABLE'),
    ]);
    expect(linesWith(again.stdout, 'error_integration')).toEqual([
      '      ~ error_integration (none) -> Lake Errors  # apply sets it (ALTER PIPE … SET ERROR_INTEGRATION)',
    ]);
  });

  it('names compare exactly: a lower-case "books" table is another table', async () => {
    const books = table('BOOKSTORE', 'BOOKS');
    books.name = 'books';
    const run = await plan();
    expect(linesWith(run.stdout, 'BOOKS"')).toEqual([
      `  + table ${TARGET}."BOOKS" (books: target table)  # apply creates it`,
    ]);
  });

  it('--json: one document with the summary and every change record', async () => {
    table('BOOKSTORE', 'BOOKS').columns = table('BOOKSTORE', 'BOOKS').columns.filter(
      (c) => c.name !== 'RATING',
    );
    const task = catalog.tasks.find((t) => t.name === 'BOOKS_MERGE');
    if (task) task.state = 'suspended';
    catalog.streams = catalog.streams.filter((s) => s.name !== 'BOOKS_STREAM');
    const run = await plan(['--json']);
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout)).toEqual({
      pipeline: 'bookstore',
      changed: true,
      summary: { create: 1, change: 2, migration: 0, manual: 0, orphan: 0 },
      changes: [
        {
          action: 'add column',
          object: 'table',
          name: `${TARGET}."BOOKS"`,
          label: 'books: target table',
          column: 'RATING',
          wanted: 'NUMBER(3,2)',
          resolution: 'apply',
          note: 'apply adds it (ADD COLUMN IF NOT EXISTS)',
        },
        {
          action: 'create',
          object: 'stream',
          name: `${RAW}."BOOKS_STREAM"`,
          label: 'books: stream',
          resolution: 'apply',
          note: 'apply creates it',
        },
        {
          action: 'resume',
          object: 'task',
          name: `${RAW}."BOOKS_MERGE"`,
          label: 'books: MERGE task',
          property: 'state',
          live: 'suspended',
          wanted: 'started',
          resolution: 'apply',
          note: 'apply resumes it',
        },
      ],
    });
  });

  it('--json with no changes: changed false, exit 0', async () => {
    const run = await plan(['--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      pipeline: 'bookstore',
      changed: false,
      summary: { create: 0, change: 0, migration: 0, manual: 0, orphan: 0 },
      changes: [],
    });
  });

  it('a usage error exits 2, never 3 (changes)', async () => {
    const run = await plan(['--no-such-option']);
    expect(run.code).toBe(2);
  });

  it('a database that does not exist: exit 1 naming the statement, the database and the role', async () => {
    catalog = emptyCatalog('SOMEWHERE_ELSE');
    const run = await plan(['--json']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(
      'could not read the account: SHOW SCHEMAS IN DATABASE "ANALYTICS": SQL compilation error: Database \'ANALYTICS\' does not exist or not authorized. (002003)\n' +
        'check that database ANALYTICS exists and that role SNOWSTAGE_LOADER can see it (SNOWFLAKE_ROLE)\n',
    );
  });

  it("a SHOW the role may not run: exit 1 naming the statement, Snowflake's answer and the role", async () => {
    const denied = {
      error: {
        code: '003001',
        sqlState: '42501',
        message: "SQL access control error:\nInsufficient privileges to operate on schema 'BOOKSTORE_RAW'",
      },
    };
    fake = await startFakeSnowflake({
      rules: [{ match: /^SHOW TASKS /, reply: denied }, catalogRule(catalog)],
    });
    const run = await plan();
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(
      `could not read the account: SHOW TASKS IN SCHEMA ${RAW}: SQL access control error: ` +
        "Insufficient privileges to operate on schema 'BOOKSTORE_RAW' (003001)\n" +
        "check that role SNOWSTAGE_LOADER may read the pipeline's schemas (SNOWFLAKE_ROLE)\n",
    );
  });

  it('an account that does not answer: says where it connects, gives up after the timeout naming the setting, exit 1', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    const run = await plan([], {
      SNOWFLAKE_ACCESS_URL: `http://127.0.0.1:${port}`,
      SNOWFLAKE_CONNECT_TIMEOUT_SECONDS: '1',
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `connecting to Snowflake: user loader on account testacct at http://127.0.0.1:${port}, role SNOWSTAGE_LOADER, warehouse ETL_WH, password auth\n` +
        `could not connect to Snowflake account testacct at http://127.0.0.1:${port}: no answer within 1 s ` +
        '(SNOWFLAKE_CONNECT_TIMEOUT_SECONDS); check SNOWFLAKE_ACCOUNT, SNOWFLAKE_ACCESS_URL and the network path to it\n' +
        'nothing was read\n',
    );
  });

  it('no Snowflake credentials: exit 1 naming the variables, nothing sent', async () => {
    const run = await runCli(['plan'], { cwd: work, env: {} });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('no Snowflake account: set SNOWFLAKE_ACCOUNT');
    expect(run.stderr).toContain('nothing was read');
  });
});

describe('snowstage plan --help', () => {
  it('states the exit codes: 3 for changes, 2 stays the usage error', async () => {
    const run = await runCli(['plan', '--help'], { cwd: process.cwd() });
    expect(run.code).toBe(0);
    expect(run.stdout.replace(/\s+/g, ' ')).toContain(
      'Exit codes: 0 no changes; 3 changes (anything listed); 1 error (invalid metadata, no connection, a SHOW failed); 2 usage error.',
    );
    const top = await runCli(['--help'], { cwd: process.cwd() });
    expect(top.stdout).toContain('2 usage error, 3 plan found changes.');
  });
});
