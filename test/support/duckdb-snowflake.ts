/**
 * DuckDB dressed up as much of Snowflake as the generated MERGE needs, so the MERGE text from the generated task
 * file can run unchanged (test-infra.md §2):
 *
 * - `ATTACH ':memory:' AS "<DB>"` + `CREATE SCHEMA`, so the quoted three-part names of the generated SQL resolve;
 * - the Snowflake conversion functions the MERGE calls, as DuckDB macros (environment, not a copy of the SQL);
 * - `duckdbType`, the DuckDB type that holds the same values as a generated Snowflake column type;
 * - the session in UTC, so TIMESTAMPTZ → TIMESTAMP casts and formatting never shift a value.
 *
 * What cannot be emulated exactly is listed in test/e2e/README.md.
 */
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

/** DECIMAL width of every TO_NUMBER result: DuckDB cannot type a macro result by its (p, s) arguments. */
export const TO_NUMBER_SCALE = 10;
const TO_NUMBER_INTEGER_DIGITS = 38 - TO_NUMBER_SCALE;

/**
 * Snowflake format → strptime format, for exactly the formats src/render/conversions.ts uses. DuckDB needs a
 * constant strptime format, so each macro branches on the format literal; an unknown format is an error.
 */
const FORMATS: readonly (readonly [snowflake: string, strptime: string])[] = [
  ['YYYY-MM-DD', '%Y-%m-%d'],
  ['YYYY-MM-DD HH24:MI:SS.FF6', '%Y-%m-%d %H:%M:%S.%f'],
  ['YYYY-MM-DD HH24:MI:SS.FF6 TZH:TZM', '%Y-%m-%d %H:%M:%S.%f %z'],
  ['HH24:MI:SS.FF6', '%H:%M:%S.%f'],
  // the head of a run id in a file name (src/render/views.ts readTimeOf), alone and as UTC
  ['YYYYMMDD"T"HH24MISS', '%Y%m%dT%H%M%S'],
  ['YYYYMMDD"T"HH24MISS TZH:TZM', '%Y%m%dT%H%M%S %z'],
];

function sqlText(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * `CASE f WHEN <format> THEN CAST(strptime(x, <strptime>) AS type) ... ELSE error END`; the TRY_ variant
 * (`parse` = try_strptime) is NULL for text that does not match, as Snowflake's TRY_TO_* is. An unknown format
 * stays an error in both.
 */
function parseMacro(name: string, type: string, parse = 'strptime'): string {
  const branches = FORMATS.map(
    ([snowflake, strptime]) =>
      `WHEN f = ${sqlText(snowflake)} THEN CAST(${parse}(x, ${sqlText(strptime)}) AS ${type})`,
  );
  return `CREATE OR REPLACE MACRO ${name}(x, f) AS CASE WHEN x IS NULL THEN NULL ${branches.join(' ')} ELSE error('${name}: format ' || f || ' is not emulated') END`;
}

/**
 * PARSE_JSON as https://docs.snowflake.com/en/sql-reference/functions/parse_json documents it: by default
 * (parameter 's') an object with a duplicate key is an error (Snowflake error 100069); with 'd' the object keeps
 * one instance of the key with its last value. DuckDB keeps duplicates (and its json_extract reads the first), so:
 * duplicates are counted with json_tree (members of one object share a parent; array elements have distinct
 * indices), and 'd' rebuilds a top-level object from json_each keeping the last value per key. Duplicates inside
 * nested objects are not emulated under 'd' and fail loudly instead.
 */
const PARSE_JSON_MACROS: readonly string[] = [
  `CREATE OR REPLACE MACRO snowstage_json_duplicates(x) AS (
    SELECT count(*) FROM (SELECT 1 FROM json_tree(x) WHERE parent IS NOT NULL GROUP BY parent, key HAVING count(*) > 1)
  )`,
  `CREATE OR REPLACE MACRO snowstage_json_top_duplicates(x) AS (
    SELECT count(*) FROM (SELECT 1 FROM json_each(x) WHERE key IS NOT NULL GROUP BY key HAVING count(*) > 1)
  )`,
  `CREATE OR REPLACE MACRO snowstage_json_last_wins(x) AS (
    SELECT json_group_object(key, value) FROM (
      SELECT key, value, row_number() OVER (PARTITION BY key ORDER BY id DESC) AS n FROM json_each(x) WHERE key IS NOT NULL
    ) WHERE n = 1
  )`,
  `CREATE OR REPLACE MACRO PARSE_JSON(x) AS CASE
    WHEN x IS NULL THEN NULL
    WHEN snowstage_json_duplicates(x) > 0 THEN error('PARSE_JSON: duplicate object key in ' || x || ' (Snowflake error 100069)')
    ELSE json(x)
  END,
  (x, f) AS CASE
    WHEN x IS NULL THEN NULL
    WHEN f NOT IN ('s', 'd') THEN error('PARSE_JSON: parameter ' || f || ' is not emulated')
    WHEN snowstage_json_duplicates(x) = 0 THEN json(x)
    WHEN f = 's' THEN error('PARSE_JSON: duplicate object key in ' || x || ' (Snowflake error 100069)')
    WHEN snowstage_json_duplicates(x) > snowstage_json_top_duplicates(x)
      THEN error('PARSE_JSON(x, ''d''): duplicate keys below the top level are not emulated: ' || x)
    ELSE CAST(snowstage_json_last_wins(x) AS JSON)
  END`,
];

/**
 * The Snowflake functions of the generated MERGE. Each fails loudly (DuckDB `error()`) where Snowflake would
 * fail, and TO_NUMBER is stricter than Snowflake: a value with more fraction digits than the scale is an error
 * instead of being rounded, because the extractor must never write one.
 */
export const SNOWFLAKE_MACROS: readonly string[] = [
  `CREATE OR REPLACE MACRO TO_NUMBER(x, p, s) AS CASE
    WHEN x IS NULL THEN NULL
    WHEN s > ${TO_NUMBER_SCALE} OR p - s > ${TO_NUMBER_INTEGER_DIGITS}
      THEN error('TO_NUMBER(x, ' || p || ', ' || s || '): wider than the DuckDB emulation (DECIMAL(38,${TO_NUMBER_SCALE}))')
    WHEN NOT regexp_full_match(x, '[+-]?[0-9]+([.][0-9]+)?')
      THEN error('TO_NUMBER: not a number: ' || x)
    WHEN length(regexp_extract(x, '^[+-]?0*([0-9]*)', 1)) > p - s
      THEN error('TO_NUMBER: ' || x || ' does not fit NUMBER(' || p || ',' || s || ')')
    WHEN length(regexp_extract(x, '[.]([0-9]*)$', 1)) > s
      THEN error('TO_NUMBER: ' || x || ' has more than ' || s || ' fraction digits')
    ELSE CAST(x AS DECIMAL(38, ${TO_NUMBER_SCALE}))
  END`,
  // Snowflake spells the IEEE specials NaN, inf, -inf; DuckDB's cast accepts those spellings too.
  'CREATE OR REPLACE MACRO TO_DOUBLE(x) AS CAST(x AS DOUBLE)',
  // Numeric input: 0 is FALSE, anything else TRUE (the generated MERGE only passes TO_NUMBER results).
  'CREATE OR REPLACE MACRO TO_BOOLEAN(x) AS CASE WHEN x IS NULL THEN NULL ELSE x <> 0 END',
  parseMacro('TO_DATE', 'DATE'),
  // With a zone in the text (TIMESTAMP columns overridden to NTZ) the UTC session keeps the UTC wall clock.
  parseMacro('TO_TIMESTAMP_NTZ', 'TIMESTAMP'),
  parseMacro('TO_TIMESTAMP_TZ', 'TIMESTAMPTZ'),
  parseMacro('TO_TIMESTAMP_LTZ', 'TIMESTAMPTZ'),
  parseMacro('TRY_TO_TIMESTAMP_NTZ', 'TIMESTAMP', 'try_strptime'),
  parseMacro('TRY_TO_TIMESTAMP_TZ', 'TIMESTAMPTZ', 'try_strptime'),
  parseMacro('TRY_TO_TIMESTAMP_LTZ', 'TIMESTAMPTZ', 'try_strptime'),
  // the 3-argument form only (https://docs.snowflake.com/en/sql-reference/functions/convert_timezone): the wall
  // clock `x` in zone `source` as the wall clock in zone `target`, through DuckDB's ICU zones (IANA names)
  'CREATE OR REPLACE MACRO CONVERT_TIMEZONE(source, target, x) AS timezone(target, timezone(source, CAST(x AS TIMESTAMP)))',
  parseMacro('TO_TIME', 'TIME'),
  `CREATE OR REPLACE MACRO TO_BINARY(x, f) AS CASE
    WHEN upper(f) = 'BASE64' THEN from_base64(x)
    ELSE error('TO_BINARY: format ' || f || ' is not emulated')
  END`,
  ...PARSE_JSON_MACROS,
];

/**
 * The DuckDB type holding the same values as a generated Snowflake type. Lengths are dropped (DuckDB VARCHAR
 * and BLOB are unbounded), TIMESTAMP precision is DuckDB's microseconds (MySQL's maximum too).
 */
export function duckdbType(snowflakeType: string): string {
  const type = snowflakeType.trim().toUpperCase();
  const number = /^NUMBER\((\d+),(\d+)\)$/.exec(type);
  if (number) return `DECIMAL(${number[1]},${number[2]})`;
  if (/^VARCHAR(\(\d+\))?$/.test(type)) return 'VARCHAR';
  if (/^BINARY(\(\d+\))?$/.test(type)) return 'BLOB';
  if (/^TIMESTAMP_NTZ(\(\d\))?$/.test(type)) return 'TIMESTAMP';
  if (/^TIMESTAMP_(TZ|LTZ)(\(\d\))?$/.test(type)) return 'TIMESTAMPTZ';
  if (/^TIME(\(\d\))?$/.test(type)) return 'TIME';
  if (type === 'FLOAT') return 'DOUBLE';
  if (type === 'VARIANT') return 'JSON';
  if (type === 'BOOLEAN' || type === 'DATE') return type;
  throw new Error(`no DuckDB equivalent of Snowflake type ${snowflakeType}`);
}

/** Whether TO_NUMBER(x, p, s) results fit the emulation's DECIMAL(38, TO_NUMBER_SCALE). */
export function numberFitsEmulation(snowflakeType: string): boolean {
  const number = /^NUMBER\((\d+),(\d+)\)$/.exec(snowflakeType);
  if (!number) return true;
  const [p, s] = [Number(number[1]), Number(number[2])];
  return s <= TO_NUMBER_SCALE && p - s <= TO_NUMBER_INTEGER_DIGITS;
}

export interface SnowflakeEmulator {
  readonly connection: DuckDBConnection;
  /** runs one or more statements */
  run(sql: string): Promise<void>;
  /** rows as JSON-friendly objects (DECIMAL and BIGINT as strings) */
  rows(sql: string): Promise<Record<string, unknown>[]>;
  close(): void;
}

/** An in-memory DuckDB with the Snowflake macros, in UTC, with `databases` attached under their exact names. */
export async function openSnowflakeEmulator(
  databases: readonly { name: string; schemas: readonly string[] }[],
): Promise<SnowflakeEmulator> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const run = async (sql: string): Promise<void> => {
    await connection.run(sql);
  };
  await run("SET TimeZone = 'UTC'");
  for (const macro of SNOWFLAKE_MACROS) await run(macro);
  for (const database of databases) {
    await run(`ATTACH IF NOT EXISTS ':memory:' AS ${quoteIdentifier(database.name)}`);
    for (const schema of database.schemas) {
      await run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(database.name)}.${quoteIdentifier(schema)}`);
    }
  }
  return {
    connection,
    run,
    async rows(sql) {
      const reader = await connection.runAndReadAll(sql);
      return reader.getRowObjectsJson() as Record<string, unknown>[];
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** Double-quoted identifier; DuckDB and Snowflake share the syntax (DuckDB matches it case-insensitively). */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function quoteText(value: string): string {
  return sqlText(value);
}
