/**
 * Schema changes between the committed tree and the metadata (issue 9): retyped columns, removed tables, pipe
 * recreation and stage moves. Runs `generate` in-process on a copy of the example and checks the migrations
 * statement by statement with the splitter `apply` uses.
 */
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readTree } from '../../src/generated/tree.js';
import { splitStatements } from '../../src/sql/split.js';
import { runCli } from './run.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BOOKS = 'metadata/tables/books.yaml';
const TARGET = '"ANALYTICS"."BOOKSTORE"."BOOKS"';
const LANDING = '"ANALYTICS"."BOOKSTORE_RAW"."BOOKS"';
let work: string;

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'snowstage-migrations-'));
  await cp(join(ROOT, 'metadata'), join(work, 'metadata'), { recursive: true });
  await cp(join(ROOT, 'generated'), join(work, 'generated'), { recursive: true });
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

async function edit(path: string, change: (text: string) => string): Promise<void> {
  const file = join(work, path);
  const before = await readFile(file, 'utf8');
  const after = change(before);
  if (after === before) throw new Error(`the edit of ${path} changed nothing`);
  await writeFile(file, after);
}

async function statementsOf(path: string): Promise<string[]> {
  const { statements, errors } = splitStatements(
    await readFile(join(work, 'generated/bookstore', path), 'utf8'),
  );
  expect(errors).toEqual([]);
  return statements.map((s) => s.text);
}

const generate = (args: string[] = [], env: Record<string, string> = {}) =>
  runCli(['generate', ...args], { cwd: work, env });

describe('column type changes', () => {
  it('a longer VARCHAR and more NUMBER precision become ALTER COLUMN ... SET DATA TYPE in a numbered migration', async () => {
    await edit(BOOKS, (t) =>
      t
        .replace('type: varchar(500)', 'type: varchar(600)')
        .replace('type: "decimal(3,2)"', 'type: "decimal(5,2)"'),
    );
    const run = await generate();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      'table books: column TITLE: target type VARCHAR(500) -> VARCHAR(600): ALTER COLUMN ... SET DATA TYPE in generated/bookstore/migrations/001_change_column_types_books.sql',
    );
    expect(run.stdout).toContain('table books: column RATING: target type NUMBER(3,2) -> NUMBER(5,2)');
    expect(await statementsOf('migrations/001_change_column_types_books.sql')).toEqual([
      `ALTER TABLE ${TARGET} ALTER COLUMN "TITLE" SET DATA TYPE VARCHAR(600)`,
      `ALTER TABLE ${TARGET} ALTER COLUMN "RATING" SET DATA TYPE NUMBER(5,2)`,
    ]);
    // the history is kept: a rerun adds nothing and the tree is up to date
    expect((await generate()).stdout).toContain('0 changed');
    expect((await generate(['--check'])).code).toBe(0);
  });

  it('a changed scale rebuilds the target column from the landing table, MERGE task suspended, checked before the drop', async () => {
    await edit(BOOKS, (t) => t.replace('type: "decimal(10,2)"', 'type: "decimal(12,4)"'));
    const run = await generate();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /table books: column PRICE: target type NUMBER\(10,2\) -> NUMBER\(12,4\): rebuilt by generated\/bookstore\/migrations\/001_change_column_types_books\.sql \(Snowflake cannot change a NUMBER's scale in place/,
    );
    const statements = await statementsOf('migrations/001_change_column_types_books.sql');
    expect(statements.map((s) => s.split('\n')[0])).toEqual([
      'ALTER TASK IF EXISTS "ANALYTICS"."BOOKSTORE_RAW"."BOOKS_MERGE" SUSPEND',
      `ALTER TABLE ${TARGET} ADD COLUMN IF NOT EXISTS "_SNOWSTAGE_RETYPE_PRICE" NUMBER(12,4)`,
      `UPDATE ${TARGET}`,
      'EXECUTE IMMEDIATE $$',
      `ALTER TABLE ${TARGET} DROP COLUMN IF EXISTS "PRICE"`,
      `ALTER TABLE ${TARGET} RENAME COLUMN "_SNOWSTAGE_RETYPE_PRICE" TO "PRICE"`,
    ]);
    // recomputed with the MERGE's own conversion from the landing row of the version each target row holds
    // (one landing row per file and row: a 1-to-1 join, as the UPDATE page advises; values run on DuckDB in
    // test/cli/retype-duckdb.test.ts)
    expect(statements[2]).toBe(
      [
        `UPDATE ${TARGET}`,
        '  SET "_SNOWSTAGE_RETYPE_PRICE" = TO_NUMBER(r."PRICE", 12, 4)',
        '  FROM (',
        '    SELECT "_SNOWSTAGE_FILE" AS "_SNOWSTAGE_LANDING_FILE", "_SNOWSTAGE_FILE_ROW" AS "_SNOWSTAGE_LANDING_FILE_ROW", "PRICE"',
        `      FROM ${LANDING}`,
        '      QUALIFY ROW_NUMBER() OVER (PARTITION BY "_SNOWSTAGE_FILE", "_SNOWSTAGE_FILE_ROW" ORDER BY "_SNOWSTAGE_LOADED_AT") = 1',
        '  ) AS r',
        '  WHERE r."_SNOWSTAGE_LANDING_FILE" = "_SNOWSTAGE_FILE" AND r."_SNOWSTAGE_LANDING_FILE_ROW" = "_SNOWSTAGE_FILE_ROW"',
      ].join('\n'),
    );
    // the check raises (so apply stops before the DROP) when a target row has no landing row
    expect(statements[3]).toMatch(
      /SELECT COUNT\(\*\) INTO :rows_without_landing\s+FROM "ANALYTICS"\."BOOKSTORE"\."BOOKS" AS t\s+WHERE NOT EXISTS/,
    );
    expect(statements[3]).toMatch(/IF \(rows_without_landing > 0\) THEN\s+RAISE landing_rows_missing;/);
    const task = await readFile(join(work, 'generated/bookstore/2_tables/books/5_merge_task.sql'), 'utf8');
    expect(task).toContain('TO_NUMBER(r."PRICE", 12, 4)');
  });

  it('a type family change rebuilds the target column; the landing column is never narrowed, and says why', async () => {
    await edit(BOOKS, (t) =>
      t.replace('{ name: metadata, type: json }', '{ name: metadata, type: varchar(2000) }'),
    );
    const run = await generate();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      'table books: column METADATA: landing type VARCHAR(134217728) -> VARCHAR: not changed (the landing column keeps VARCHAR(134217728): Snowflake cannot shorten a VARCHAR, and a wider landing column loads the same text)',
    );
    expect(run.stdout).toContain(
      'table books: column METADATA: target type VARIANT -> VARCHAR(2000): rebuilt by',
    );
    const text = await readFile(
      join(work, 'generated/bookstore/migrations/001_change_column_types_books.sql'),
      'utf8',
    );
    expect(text).toContain('SET "_SNOWSTAGE_RETYPE_METADATA" = r."METADATA"');
    expect(text).toContain(
      '-- landing column METADATA of books: VARCHAR(134217728) to VARCHAR: the landing column keeps',
    );
    expect(text).not.toContain(`ALTER TABLE ${LANDING} ALTER COLUMN`);
  });

  it('a tree generated before model.json existed is read from its SQL, so its retyped columns are found too', async () => {
    await rm(join(work, 'generated/bookstore/model.json'));
    await edit(BOOKS, (t) => t.replace('type: varchar(500)', 'type: varchar(600)'));
    const run = await generate();
    expect(run.code, run.stderr).toBe(0);
    expect(await statementsOf('migrations/001_change_column_types_books.sql')).toEqual([
      `ALTER TABLE ${TARGET} ALTER COLUMN "TITLE" SET DATA TYPE VARCHAR(600)`,
    ]);
    expect(existsSync(join(work, 'generated/bookstore/model.json'))).toBe(true);
  });

  it('a model.json edited into invalid JSON is read from the SQL next to it, without a stack trace', async () => {
    await writeFile(join(work, 'generated/bookstore/model.json'), '{ not json\n');
    await edit(BOOKS, (t) => t.replace('type: varchar(500)', 'type: varchar(600)'));
    const run = await generate();
    expect(run.code, run.stderr).toBe(0);
    expect(await statementsOf('migrations/001_change_column_types_books.sql')).toEqual([
      `ALTER TABLE ${TARGET} ALTER COLUMN "TITLE" SET DATA TYPE VARCHAR(600)`,
    ]);
  });

  it('refuses a MERGE key column that cannot be altered in place, at its position, and writes nothing', async () => {
    await edit(BOOKS, (t) =>
      t.replace(
        '{ name: book_id, type: int unsigned, nullable: false }',
        '{ name: book_id, type: char(36), nullable: false }',
      ),
    );
    const before = await readTree(join(work, 'generated'));
    const run = await generate();
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^metadata\/tables\/books\.yaml:\d+:\d+ \/columns\/0\/type: column BOOK_ID of table books changes from NUMBER\(10,0\) to VARCHAR\(36\) in the target table, which snowstage will not do: Snowflake cannot change a column's type in place from NUMBER\(10,0\) to VARCHAR\(36\), and BOOK_ID is part of the MERGE key/m,
    );
    expect(run.stderr).toContain('1 change refused; nothing was written');
    expect(await readTree(join(work, 'generated'))).toEqual(before);
    expect((await generate(['--check'])).code).toBe(1);
  });

  it('widening a MERGE key column is altered in place', async () => {
    await edit(BOOKS, (t) =>
      t.replace('{ name: book_id, type: int unsigned', '{ name: book_id, type: bigint unsigned'),
    );
    const run = await generate();
    expect(run.code, run.stderr).toBe(0);
    expect(await statementsOf('migrations/001_change_column_types_books.sql')).toEqual([
      `ALTER TABLE ${TARGET} ALTER COLUMN "BOOK_ID" SET DATA TYPE NUMBER(20,0)`,
    ]);
  });

  it('prints added and removed columns with what covers them', async () => {
    await edit(
      BOOKS,
      (t) => `${t.replace(/^ {2}- \{ name: rating.*\n/m, '')}  - { name: subtitle, type: varchar(300) }\n`,
    );
    const run = await generate();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      'table books: column SUBTITLE added: ADD COLUMN IF NOT EXISTS in generated/bookstore/2_tables/books/1_landing_table.sql and 2_target_table.sql',
    );
    expect(run.stdout).toContain('table books: column RATING removed: left in both Snowflake tables');
    expect(run.stdout).not.toContain('migrations/');
  });
});

describe('removed tables', () => {
  it('a table removed from the metadata gets a migration that pauses and drops its pipe, task and stream, keeping its tables', async () => {
    await rm(join(work, 'metadata/tables/book_reviews.yaml'));
    const run = await generate();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      'table book_reviews removed: its pipe, task and stream are paused and dropped by generated/bookstore/migrations/001_retire_table_book_reviews.sql',
    );
    expect(run.stdout).toContain('removed generated/bookstore/2_tables/book_reviews/4_pipe.sql');
    const raw = '"ANALYTICS"."BOOKSTORE_RAW"';
    expect(await statementsOf('migrations/001_retire_table_book_reviews.sql')).toEqual([
      `ALTER PIPE IF EXISTS ${raw}."BOOK_REVIEWS_PIPE" SET PIPE_EXECUTION_PAUSED = TRUE`,
      `ALTER TASK IF EXISTS ${raw}."BOOK_REVIEWS_MERGE" SUSPEND`,
      `DROP PIPE IF EXISTS ${raw}."BOOK_REVIEWS_PIPE"`,
      `DROP TASK IF EXISTS ${raw}."BOOK_REVIEWS_MERGE"`,
      `DROP STREAM IF EXISTS ${raw}."BOOK_REVIEWS_STREAM"`,
    ]);
    expect((await generate()).stdout).toContain('0 changed');
    expect((await generate(['--check'])).code).toBe(0);
  });

  it('--drop-tables also drops the landing and target tables', async () => {
    await rm(join(work, 'metadata/tables/book_reviews.yaml'));
    const run = await generate(['--drop-tables']);
    expect(run.code, run.stderr).toBe(0);
    const statements = await statementsOf('migrations/001_retire_table_book_reviews.sql');
    expect(statements.slice(-2)).toEqual([
      'DROP TABLE IF EXISTS "ANALYTICS"."BOOKSTORE_RAW"."BOOK_REVIEWS"',
      'DROP TABLE IF EXISTS "ANALYTICS"."BOOKSTORE"."BOOK_REVIEWS"',
    ]);
  });

  it('a tree without model.json names the removed objects from its SQL', async () => {
    await rm(join(work, 'generated/bookstore/model.json'));
    await rm(join(work, 'metadata/tables/book_reviews.yaml'));
    const run = await generate();
    expect(run.code, run.stderr).toBe(0);
    const statements = await statementsOf('migrations/001_retire_table_book_reviews.sql');
    expect(statements).toContain('DROP STREAM IF EXISTS "ANALYTICS"."BOOKSTORE_RAW"."BOOK_REVIEWS_STREAM"');
  });
});

describe('pipe recreation', () => {
  async function recreateBooksPipe(): Promise<string[]> {
    await edit(BOOKS, (t) => `${t}s3_path: catalogue/books\n`);
    const run = await generate();
    expect(run.code, run.stderr).toBe(0);
    return statementsOf('migrations/001_recreate_pipe_books.sql');
  }

  it('gates the recreation on PAUSED with pendingFileCount 0, in a block that raises', async () => {
    const statements = await recreateBooksPipe();
    const gate = statements[2] ?? '';
    expect(gate).toMatch(/^EXECUTE IMMEDIATE \$\$\nDECLARE\n/);
    expect(gate).toContain(`SYSTEM$PIPE_STATUS('"ANALYTICS"."BOOKSTORE_RAW"."BOOKS_PIPE"')`);
    expect(gate).toMatch(
      /IF \(pipe_state IS DISTINCT FROM 'PAUSED' OR pending_files IS DISTINCT FROM 0\) THEN\s+RAISE pipe_not_ready;/,
    );
    expect(gate).toMatch(/pipe_not_ready EXCEPTION \(-20101, '/);
    expect(statements[3]).toMatch(/^CREATE OR REPLACE PIPE /);
    // no plain SELECT that nothing reads, and the final check raises unless RUNNING
    expect(statements.filter((s) => s.startsWith('SELECT'))).toEqual([]);
    expect(statements.at(-1)).toMatch(
      /IF \(pipe_state IS DISTINCT FROM 'RUNNING'\) THEN\s+RAISE pipe_not_ready;/,
    );
  });

  it('refreshes only the files modified since the pause time it records before pausing', async () => {
    const statements = await recreateBooksPipe();
    expect(statements[0]).toBe(
      `SET SNOWSTAGE_REFRESH_1 = (SELECT 'ALTER PIPE "ANALYTICS"."BOOKSTORE_RAW"."BOOKS_PIPE" REFRESH MODIFIED_AFTER = ''' || TO_VARCHAR(CURRENT_TIMESTAMP(), 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM') || '''')`,
    );
    expect(statements[1]).toMatch(/SET PIPE_EXECUTION_PAUSED = TRUE$/);
    expect(statements).toContain('EXECUTE IMMEDIATE $SNOWSTAGE_REFRESH_1');
    expect(statements.filter((s) => /\bREFRESH\s*$/.test(s))).toEqual([]);
    const refresh = statements.indexOf('EXECUTE IMMEDIATE $SNOWSTAGE_REFRESH_1');
    expect(refresh).toBeGreaterThan(statements.findIndex((s) => s.startsWith('CREATE OR REPLACE PIPE')));
  });

  it('says in its comments what is and is not safe', async () => {
    await recreateBooksPipe();
    const text = await readFile(
      join(work, 'generated/bookstore/migrations/001_recreate_pipe_books.sql'),
      'utf8',
    );
    expect(text).toContain('-- What is safe, and what is not:');
    expect(text).toContain('Stop every extractor');
    expect(text).toContain('REFRESH MODIFIED_AFTER = the time step 1 recorded');
    expect(text).toContain('do not rerun it from the top');
  });
});

describe('moving the bucket or prefix', () => {
  it('is refused until the old location stays allowed next to the new one', async () => {
    const run = await generate([], { S3_BUCKET: 'bookstore-lake-eu' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^metadata\/pipeline\.yaml:\d+:\d+ \/snowflake\/storage_integration\/allowed_locations: the stage moves from s3:\/\/snowstage-bookstore\/bookstore\/data\/ to s3:\/\/bookstore-lake-eu\/bookstore\/data\/, but no allowed location contains the old one/m,
    );
    expect(existsSync(join(work, 'generated/bookstore/migrations'))).toBe(false);
  });

  it('keeps both locations in STORAGE_ALLOWED_LOCATIONS while the stage-moving migration is pending', async () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the YAML's own ${VAR} reference, not a template
    const line = '      - s3://${S3_BUCKET:-snowstage-bookstore}/bookstore/\n';
    await edit('metadata/pipeline.yaml', (t) =>
      t.replace(line, `${line}      - s3://snowstage-bookstore/bookstore/\n`),
    );
    const run = await generate([], { S3_BUCKET: 'bookstore-lake-eu' });
    expect(run.code, run.stderr).toBe(0);
    const integration = await statementsOf('admin/grants.sql');
    expect(integration.find((s) => s.startsWith('ALTER STORAGE INTEGRATION'))).toContain(
      "STORAGE_ALLOWED_LOCATIONS = ('s3://bookstore-lake-eu/bookstore/', 's3://snowstage-bookstore/bookstore/')",
    );
    const text = await readFile(join(work, 'generated/bookstore/migrations/001_recreate_pipes.sql'), 'utf8');
    expect(text).toContain('-- The stage moves: have an administrator run `snowstage apply --grants` first');
    const migration = await statementsOf('migrations/001_recreate_pipes.sql');
    expect(migration.find((s) => s.startsWith('ALTER STAGE'))).toContain(
      "URL = 's3://bookstore-lake-eu/bookstore/data/'",
    );
  });
});
