/**
 * The rebuild of a retyped target column, run on DuckDB (test/support/duckdb-snowflake.ts): the generated
 * ADD COLUMN, UPDATE ... FROM, DROP COLUMN and RENAME COLUMN statements, unchanged except the Snowflake type name
 * of the new column (DuckDB has no NUMBER; `duckdbType` maps it). The Snowflake Scripting check cannot run on
 * DuckDB: its counting query is run on its own, without `INTO :variable`. Not covered: Snowflake's own parsing.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { splitStatements } from '../../src/sql/split.js';
import { duckdbType, openSnowflakeEmulator, type SnowflakeEmulator } from '../support/duckdb-snowflake.js';
import { runCli } from './run.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TARGET = '"ANALYTICS"."BOOKSTORE"."BOOKS"';
const LANDING = '"ANALYTICS"."BOOKSTORE_RAW"."BOOKS"';
let work: string;
let db: SnowflakeEmulator;

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'snowstage-retype-'));
  await cp(join(ROOT, 'metadata'), join(work, 'metadata'), { recursive: true });
  await cp(join(ROOT, 'generated'), join(work, 'generated'), { recursive: true });
  db = await openSnowflakeEmulator([{ name: 'ANALYTICS', schemas: ['BOOKSTORE', 'BOOKSTORE_RAW'] }]);
  await db.run(
    `CREATE TABLE ${LANDING} ("BOOK_ID" VARCHAR, "PRICE" VARCHAR, "_SNOWSTAGE_FILE" VARCHAR, "_SNOWSTAGE_FILE_ROW" BIGINT, "_SNOWSTAGE_LOADED_AT" TIMESTAMPTZ)`,
  );
  await db.run(
    `CREATE TABLE ${TARGET} ("BOOK_ID" DECIMAL(10,0), "PRICE" DECIMAL(10,2), "_SNOWSTAGE_FILE" VARCHAR, "_SNOWSTAGE_FILE_ROW" BIGINT)`,
  );
  // book 1: an older version in file a, the held version in file b (loaded twice, as a recreated pipe can);
  // book 2: one version. The target holds what the old MERGE wrote: values rounded to 2 decimals.
  await db.run(`INSERT INTO ${LANDING} VALUES
    ('1', '10.0001', 'a.csv.gz', 1, TIMESTAMPTZ '2026-01-01 00:00:00+00'),
    ('1', '12.3456', 'b.csv.gz', 1, TIMESTAMPTZ '2026-01-02 00:00:00+00'),
    ('1', '12.3456', 'b.csv.gz', 1, TIMESTAMPTZ '2026-01-03 00:00:00+00'),
    ('2', '7.0005', 'b.csv.gz', 2, TIMESTAMPTZ '2026-01-02 00:00:00+00')`);
  await db.run(`INSERT INTO ${TARGET} VALUES (1, 12.35, 'b.csv.gz', 1), (2, 7.00, 'b.csv.gz', 2)`);
});
afterEach(async () => {
  db.close();
  await rm(work, { recursive: true, force: true });
});

async function rebuildStatements(): Promise<string[]> {
  const file = join(work, 'metadata/tables/books.yaml');
  await writeFile(
    file,
    (await readFile(file, 'utf8')).replace('type: "decimal(10,2)"', 'type: "decimal(12,4)"'),
  );
  const run = await runCli(['generate'], { cwd: work });
  expect(run.code, run.stderr).toBe(0);
  const text = await readFile(
    join(work, 'generated/bookstore/migrations/001_change_column_types_books.sql'),
    'utf8',
  );
  return splitStatements(text).statements.map((s) => s.text);
}

describe('rebuilding a retyped column (DuckDB)', () => {
  it('recomputes every held version from its landing row exactly, then replaces the column', async () => {
    const statements = await rebuildStatements();
    for (const sql of statements) {
      if (sql.startsWith('ALTER TASK') || sql.startsWith('EXECUTE IMMEDIATE')) continue;
      await db.run(sql.replace(/ NUMBER\((\d+),(\d+)\)$/, (type) => ` ${duckdbType(type.trim())}`));
    }
    const rows = await db.rows(
      `SELECT "BOOK_ID", CAST("PRICE" AS VARCHAR) AS "PRICE" FROM ${TARGET} ORDER BY 1`,
    );
    expect(rows).toEqual([
      { BOOK_ID: '1', PRICE: '12.3456' },
      { BOOK_ID: '2', PRICE: '7.0005' },
    ]);
    const columns = await db.rows(`SELECT column_name FROM (DESCRIBE ${TARGET})`);
    expect(columns.map((c) => c.column_name)).toEqual([
      'BOOK_ID',
      '_SNOWSTAGE_FILE',
      '_SNOWSTAGE_FILE_ROW',
      'PRICE',
    ]);
  });

  it("the check's query counts target rows whose landing row is gone", async () => {
    const statements = await rebuildStatements();
    const block = statements.find((s) => s.startsWith('EXECUTE IMMEDIATE $$')) ?? '';
    const query = /SELECT COUNT\(\*\) INTO :rows_without_landing([\s\S]*?\));\n/.exec(block)?.[1];
    expect(query).toBeDefined();
    const count = async () => (await db.rows(`SELECT COUNT(*) AS N ${query}`))[0]?.N;
    expect(await count()).toBe('0');
    await db.run(`DELETE FROM ${LANDING} WHERE "_SNOWSTAGE_FILE_ROW" = 2`);
    expect(await count()).toBe('1');
  });
});
