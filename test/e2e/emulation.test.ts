/**
 * The emulation's own assumptions, pinned against what the generator emits: if the file format, the pipe or the
 * shape of the task changes, these fail and say which part of the DuckDB stand-in must follow.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PipelineModel } from '../../src/model/types.js';
import { loadPipeline } from '../../src/pipeline.js';
import { loadTemplates, render } from '../../src/render/render.js';
import { splitStatements } from '../../src/sql/split.js';
import { duckdbType, openSnowflakeEmulator } from '../support/duckdb-snowflake.js';
import { canonicalNumber, timeToSeconds } from './compare.js';
import { ROOT } from './extractor.js';
import { translateAddColumn, translateCreateTable, translateCreateView, usingSubquery } from './warehouse.js';

async function example(): Promise<{ model: PipelineModel; file: (path: string) => string }> {
  const dir = join(ROOT, 'metadata');
  const { model } = await loadPipeline({ dir, env: {}, cwd: dir });
  if (!model) throw new Error('the example metadata is invalid');
  const files = render(model, loadTemplates());
  return { model, file: (path) => files.find((f) => f.path === path)?.content ?? '' };
}

describe('what the loader emulates matches the generated SQL', () => {
  it('file format: enclosed by ", no escapes, unenclosed empty = NULL, NULL_IF empty, header, base64', async () => {
    const format = (await example()).file('1_pipeline/3_file_format.sql');
    for (const option of [
      "FIELD_DELIMITER = ','",
      "RECORD_DELIMITER = '\\n'",
      'PARSE_HEADER = TRUE',
      "FIELD_OPTIONALLY_ENCLOSED_BY = '\"'",
      'ESCAPE = NONE',
      'ESCAPE_UNENCLOSED_FIELD = NONE',
      'EMPTY_FIELD_AS_NULL = TRUE',
      'NULL_IF = ()',
      'TRIM_SPACE = FALSE',
      'BINARY_FORMAT = BASE64',
      'COMPRESSION = GZIP',
    ]) {
      expect(format).toContain(option);
    }
  });

  it('pipe: columns matched by exact header name, file name and row number recorded', async () => {
    const pipe = (await example()).file('2_tables/books/4_pipe.sql');
    expect(pipe).toContain('MATCH_BY_COLUMN_NAME = CASE_SENSITIVE');
    expect(pipe).toContain('"_SNOWSTAGE_FILE" = METADATA$FILENAME');
    expect(pipe).toContain('"_SNOWSTAGE_FILE_ROW" = METADATA$FILE_ROW_NUMBER');
    // METADATA$FILENAME is relative to the stage, whose URL ends in <prefix>data/
    expect(pipe).toContain('FROM @"ANALYTICS"."BOOKSTORE_RAW"."BOOKSTORE_STAGE"/books/');
    expect((await example()).file('1_pipeline/4_stage.sql')).toContain(
      "URL = 's3://snowstage-bookstore/bookstore/data/'",
    );
  });

  it('task: one MERGE that reads only the stream and writes only the target', async () => {
    const { file } = await example();
    const task = splitStatements(file('2_tables/books/5_merge_task.sql')).statements.find((s) =>
      s.text.startsWith('CREATE OR ALTER TASK'),
    );
    const merge = task?.text.slice(task.text.indexOf('MERGE INTO')) ?? '';
    const names = [...new Set(merge.match(/"[^"]+"\."[^"]+"\."[^"]+"/g))];
    expect(names.sort()).toEqual([
      '"ANALYTICS"."BOOKSTORE"."BOOKS"',
      '"ANALYTICS"."BOOKSTORE_RAW"."BOOKS_STREAM"',
    ]);
    expect(usingSubquery(merge)).toMatch(/^\s*SELECT \*[\s\S]+\) = 1\s*$/);
  });
});

describe('DDL translation', () => {
  it('translates every column type of the generated CREATE TABLE and drops the COMMENT clause', async () => {
    const target = (await example()).file('2_tables/books/2_target_table.sql');
    const create = target.slice(target.indexOf('CREATE TABLE'), target.indexOf(';'));
    const translated = translateCreateTable(create);
    expect(translated).toContain('"BOOK_ID" DECIMAL(10,0) NOT NULL, -- MySQL int unsigned');
    expect(translated).toContain('"METADATA" JSON,');
    expect(translated).toContain('"COVER_THUMBNAIL" BLOB,');
    expect(translated).toContain('"_SNOWSTAGE_MERGED_AT" TIMESTAMPTZ,');
    expect(translated).toContain('"_SNOWSTAGE_DELETED" BOOLEAN DEFAULT FALSE,');
    expect(translated).not.toContain('COMMENT =');
    const emulator = await openSnowflakeEmulator([{ name: 'ANALYTICS', schemas: ['BOOKSTORE'] }]);
    try {
      await emulator.run(translated);
      // the generated form: every column in one statement, split into one DuckDB ALTER per column
      const grouped = translateAddColumn(
        'ALTER TABLE "ANALYTICS"."BOOKSTORE"."BOOKS" ADD COLUMN IF NOT EXISTS\n  "BOOK_ID" NUMBER(10,0),\n  "X" NUMBER(38,10),\n  "Z" VARCHAR(13)',
      );
      expect(grouped).toEqual([
        'ALTER TABLE "ANALYTICS"."BOOKSTORE"."BOOKS" ADD COLUMN IF NOT EXISTS "BOOK_ID" DECIMAL(10,0)',
        'ALTER TABLE "ANALYTICS"."BOOKSTORE"."BOOKS" ADD COLUMN IF NOT EXISTS "X" DECIMAL(38,10)',
        'ALTER TABLE "ANALYTICS"."BOOKSTORE"."BOOKS" ADD COLUMN IF NOT EXISTS "Z" VARCHAR',
      ]);
      for (const statement of grouped) await emulator.run(statement);
      // the generated statement itself: one ALTER per column, each a no-op on the table just created
      const add = splitStatements(target).statements.find((s) => s.text.includes('ADD COLUMN IF NOT EXISTS'));
      const perColumn = translateAddColumn(add?.text ?? '');
      expect(perColumn).toHaveLength(20);
      for (const statement of perColumn) await emulator.run(statement);
      const [row] = await emulator.rows(
        `SELECT data_type FROM information_schema.columns WHERE table_name = 'BOOKS' AND column_name = 'X'`,
      );
      expect(row?.data_type).toBe('DECIMAL(38,10)');
      for (const statement of translateAddColumn(
        'ALTER TABLE "ANALYTICS"."BOOKSTORE"."BOOKS" ADD COLUMN IF NOT EXISTS "Y" BOOLEAN DEFAULT FALSE',
      )) {
        await emulator.run(statement);
      }
      const live = (await example()).file('2_tables/books/6_live_view.sql');
      const view = live.slice(live.indexOf('CREATE OR REPLACE VIEW'), live.lastIndexOf(';'));
      expect(translateCreateView(view)).toMatch(
        /^CREATE OR REPLACE VIEW "ANALYTICS"\."BOOKSTORE"\."BOOKS_LIVE" AS\s+SELECT/,
      );
      await emulator.run(translateCreateView(view));
    } finally {
      emulator.close();
    }
  });

  it('maps each generated Snowflake type to the DuckDB type holding the same values', () => {
    expect(
      [
        'NUMBER(20,0)',
        'VARCHAR(67)',
        'BINARY(16)',
        'TIMESTAMP_NTZ(6)',
        'TIMESTAMP_TZ(3)',
        'TIME(3)',
        'FLOAT',
      ].map(duckdbType),
    ).toEqual(['DECIMAL(20,0)', 'VARCHAR', 'BLOB', 'TIMESTAMP', 'TIMESTAMPTZ', 'TIME', 'DOUBLE']);
    expect(() => duckdbType('GEOGRAPHY')).toThrow(/no DuckDB equivalent/);
  });
});

describe('normalisation', () => {
  it('compares exact decimals and TIME durations as canonical text', () => {
    expect(['-0012.3400', '0.000', '-0.0', '18446744073709551615.0000000000'].map(canonicalNumber)).toEqual([
      '-12.34',
      '0',
      '0',
      '18446744073709551615',
    ]);
    expect(['-838:59:59.000000', '00:00:00.000001', '-00:00:01.5'].map(timeToSeconds)).toEqual([
      '-3020399',
      '0.000001',
      '-1.5',
    ]);
  });
});

describe('PARSE_JSON emulation (Snowflake: strict by default, last value wins with d)', () => {
  const cases = async (sql: string) => {
    const emulator = await openSnowflakeEmulator([]);
    try {
      return await emulator.rows(sql);
    } finally {
      emulator.close();
    }
  };

  it('rejects an object with a duplicate key by default and with s, at any depth', async () => {
    await expect(cases(`SELECT PARSE_JSON('{"a": 1, "a": 2}') AS v`)).rejects.toThrow(/duplicate object key/);
    await expect(cases(`SELECT PARSE_JSON('{"a": 1, "a": 2}', 's') AS v`)).rejects.toThrow(
      /duplicate object key/,
    );
    await expect(cases(`SELECT PARSE_JSON('[{"x": {"y": 1, "y": 1}}]') AS v`)).rejects.toThrow(
      /duplicate object key/,
    );
  });

  it('keeps the last value of a duplicate key with d, and leaves other documents as they are', async () => {
    const [row] = await cases(
      `SELECT CAST(PARSE_JSON('{"a": 1, "b": [1, 2], "a": {"last": true}}', 'd') AS VARCHAR) AS dup,
              CAST(PARSE_JSON('[1, {"a": 1}, null]', 'd') AS VARCHAR) AS arr,
              CAST(PARSE_JSON('null', 'd') AS VARCHAR) AS jnull,
              PARSE_JSON(NULL, 'd') IS NULL AS sqlnull`,
    );
    expect(JSON.parse(String(row?.dup))).toEqual({ a: { last: true }, b: [1, 2] });
    expect(JSON.parse(String(row?.arr))).toEqual([1, { a: 1 }, null]);
    expect(row?.jnull).toBe('null');
    expect(row?.sqlnull).toBe(true);
  });

  it('says so instead of guessing when a nested object has a duplicate key under d', async () => {
    await expect(cases(`SELECT PARSE_JSON('{"a": {"x": 1, "x": 2}}', 'd') AS v`)).rejects.toThrow(
      /not emulated/,
    );
  });
});
