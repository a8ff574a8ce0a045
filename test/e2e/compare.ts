/**
 * Row-by-row comparison of a DuckDB target table with its MySQL source table. Both sides are read into one
 * canonical form per column (exact decimals as text, UTC timestamps to the microsecond, bytes as hex, JSON
 * parsed, booleans) so only real differences show. Soft-deleted MySQL rows are expected to be absent from the
 * live rows (the generated `<TARGET>_LIVE` view; the target keeps them as tombstones).
 */
import { isDeepStrictEqual } from 'node:util';
import type { Pool } from 'mysql2/promise';
import { META } from '../../src/model/names.js';
import type { ColumnModel, TableModel, ZeroDatePolicy } from '../../src/model/types.js';
import { mysqlIdentifier, qualified } from '../../src/sql/quote.js';
import { duckdbType, quoteIdentifier } from '../support/duckdb-snowflake.js';
import type { Warehouse } from './warehouse.js';

/** A value in comparable form; JSON documents are wrapped so a JSON null is not SQL NULL. */
export type Canonical = string | number | boolean | null | { readonly json: unknown };

export interface Difference {
  readonly key: string;
  readonly column: string;
  readonly mysql: Canonical | '<absent>';
  readonly duckdb: Canonical | '<absent>';
}

interface ColumnRule {
  readonly mysql: string;
  readonly duckdb: string;
  readonly fromMysql: (value: unknown) => Canonical;
  readonly fromDuckdb: (value: unknown) => Canonical;
}

const MYSQL_DATETIME = "'%Y-%m-%d %H:%i:%s.%f'";
const DUCKDB_DATETIME = "'%Y-%m-%d %H:%M:%S.%f'";

/** -0012.3400 → -12.34; 0.000 → 0. Anything that is not a plain decimal is returned as is (and will differ). */
export function canonicalNumber(text: string): string {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!match) return text;
  const integer = (match[2] ?? '').replace(/^0+/, '') || '0';
  const fraction = (match[3] ?? '').replace(/0+$/, '');
  const negative = match[1] === '-' && !(integer === '0' && fraction === '');
  return `${negative ? '-' : ''}${integer}${fraction === '' ? '' : `.${fraction}`}`;
}

/** MySQL TIME text ([-]H:MM:SS[.f]) → signed seconds, the target's NUMBER(7+fsp, fsp). */
export function timeToSeconds(text: string): string {
  const match = /^(-?)(\d+):(\d\d):(\d\d)(?:\.(\d+))?$/.exec(text);
  if (!match) return text;
  const [, sign = '', h = '0', m = '0', s = '0', fraction = ''] = match;
  const whole = BigInt(h) * 3600n + BigInt(m) * 60n + BigInt(s);
  return canonicalNumber(`${sign}${whole}.${fraction}`);
}

/** Month or day 00: Snowflake has no such date, the extractor writes NULL under zero_date: as_null. */
function isZeroDate(text: string): boolean {
  return /^\d{4}-(00-\d\d|\d\d-00)/.test(text);
}

function text(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

function mapText(value: unknown, map: (s: string) => Canonical): Canonical {
  const s = text(value);
  return s === null ? null : map(s);
}

function temporal(zeroDate: ZeroDatePolicy): (value: unknown) => Canonical {
  return (value) =>
    mapText(value, (s) => {
      if (isZeroDate(s)) return zeroDate === 'null' ? null : `<zero date ${s}>`;
      return s.replace(/ \+00:00$/, '');
    });
}

function double(value: unknown): Canonical {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  // NaN is not equal to itself: compare its spelling instead
  return Number.isNaN(n) ? 'NaN' : n;
}

function json(value: unknown): Canonical {
  return mapText(value, (s) => ({ json: JSON.parse(s) as unknown }));
}

/** How the target holds the column in DuckDB, read as text where text is exact. */
function duckdbExpression(column: ColumnModel): string {
  const c = quoteIdentifier(column.name);
  switch (duckdbType(column.snowflakeType)) {
    case 'TIMESTAMP':
      return `strftime(${c}, ${DUCKDB_DATETIME})`;
    case 'TIMESTAMPTZ':
      return `strftime(timezone('UTC', ${c}), ${DUCKDB_DATETIME})`;
    case 'BLOB':
      return `upper(hex(${c}))`;
    case 'DOUBLE':
    case 'BOOLEAN':
    case 'VARCHAR':
      return c;
    default:
      return `CAST(${c} AS VARCHAR)`;
  }
}

function columnRule(column: ColumnModel, zeroDate: ZeroDatePolicy): ColumnRule {
  const m = mysqlIdentifier(column.source);
  const duckdb = duckdbExpression(column);
  const number = (value: unknown) => mapText(value, canonicalNumber);
  switch (column.encoding) {
    case 'integer':
    case 'decimal':
      return { mysql: `CAST(${m} AS CHAR)`, duckdb, fromMysql: number, fromDuckdb: number };
    case 'bit':
      return { mysql: `CAST(${m} + 0 AS CHAR)`, duckdb, fromMysql: number, fromDuckdb: number };
    case 'time_seconds':
      return {
        mysql: `CAST(${m} AS CHAR)`,
        duckdb,
        fromMysql: (v) => mapText(v, timeToSeconds),
        fromDuckdb: number,
      };
    case 'time_of_day':
      return {
        mysql: `CAST(${m} AS CHAR)`,
        duckdb,
        fromMysql: (v) => mapText(v, padFraction),
        fromDuckdb: (v) => mapText(v, padFraction),
      };
    case 'float':
      return { mysql: `CAST(${m} AS DOUBLE)`, duckdb, fromMysql: double, fromDuckdb: double };
    case 'boolean':
      return {
        mysql: `CAST(${m} + 0 AS CHAR)`,
        duckdb,
        fromMysql: (v) => mapText(v, (s) => s !== '0'),
        fromDuckdb: (v) => (v === null || v === undefined ? null : v === true || v === 'true'),
      };
    case 'json':
      return { mysql: `CAST(${m} AS CHAR)`, duckdb, fromMysql: json, fromDuckdb: json };
    case 'base64':
      return { mysql: `HEX(${m})`, duckdb, fromMysql: text, fromDuckdb: text };
    case 'date':
      return { mysql: `CAST(${m} AS CHAR)`, duckdb, fromMysql: temporal(zeroDate), fromDuckdb: text };
    case 'datetime':
    case 'timestamp_utc':
      return {
        mysql: `DATE_FORMAT(${m}, ${MYSQL_DATETIME})`,
        duckdb,
        fromMysql: temporal(zeroDate),
        fromDuckdb: temporal(zeroDate),
      };
    case 'text':
      return { mysql: m, duckdb, fromMysql: text, fromDuckdb: text };
    case 'wkt':
      return { mysql: `ST_AsText(${m})`, duckdb, fromMysql: text, fromDuckdb: text };
  }
}

function padFraction(time: string): string {
  const [whole = '', fraction = ''] = time.split('.');
  return `${whole}.${fraction.padEnd(6, '0')}`;
}

/** MySQL rows expected among the live rows: soft-deleted rows are tombstones in the target. */
function notDeleted(table: TableModel): string {
  const soft = table.softDelete;
  if (!soft) return '1 = 1';
  const column = mysqlIdentifier(soft.column.source);
  return soft.when === 'not_null' ? `${column} IS NULL` : `COALESCE(${column} <> 0, 0) = 0`;
}

type Row = readonly Canonical[];

async function mysqlRows(pool: Pool, table: TableModel, rules: readonly ColumnRule[]): Promise<Row[]> {
  const sql = `SELECT ${rules.map((r) => r.mysql).join(', ')} FROM ${mysqlIdentifier(table.sourceTable)} WHERE ${notDeleted(table)}`;
  const [rows] = await pool.query({ sql, rowsAsArray: true });
  return (rows as unknown[][]).map((row) => rules.map((rule, i) => rule.fromMysql(row[i])));
}

async function duckdbRows(
  warehouse: Warehouse,
  table: TableModel,
  rules: readonly ColumnRule[],
): Promise<Row[]> {
  const select = rules.map((r, i) => `${r.duckdb} AS c${i}`).join(', ');
  const rows = await warehouse.rows(`SELECT ${select} FROM ${liveRows(table)}`);
  return rows.map((row) => rules.map((rule, i) => rule.fromDuckdb(row[`c${i}`])));
}

/** What users see: the generated live view, or the target filtered the way its README section says. */
function liveRows(table: TableModel): string {
  if (table.liveView) return qualified(table.liveView);
  return `(SELECT * FROM ${qualified(table.targetTable)} WHERE COALESCE("${META.deleted}", FALSE) = FALSE)`;
}

/** By key; a keyless table (mode: snapshot) by the whole row, a repeated row numbered (the rows are a multiset). */
function keyed(table: TableModel, rows: readonly Row[]): Map<string, Row> {
  const keyless = table.primaryKey.length === 0;
  const keyIndexes = keyless
    ? table.columns.map((_, i) => i)
    : table.primaryKey.map((k) => table.columns.indexOf(k));
  const map = new Map<string, Row>();
  for (const row of rows) {
    let key = JSON.stringify(keyIndexes.map((i) => row[i]));
    if (keyless)
      for (let n = 2; map.has(key); n++) key = `${JSON.stringify(keyIndexes.map((i) => row[i]))} #${n}`;
    if (map.has(key)) throw new Error(`${table.name}: key ${key} appears twice`);
    map.set(key, row);
  }
  return map;
}

/** Every difference between the MySQL table and the DuckDB target, keys sorted. */
export async function compareTable(
  pool: Pool,
  warehouse: Warehouse,
  table: TableModel,
): Promise<Difference[]> {
  const rules = table.columns.map((c) => columnRule(c, table.zeroDate));
  const expected = keyed(table, await mysqlRows(pool, table, rules));
  const actual = keyed(table, await duckdbRows(warehouse, table, rules));
  const differences: Difference[] = [];
  const keys = [...new Set([...expected.keys(), ...actual.keys()])].sort();
  for (const key of keys) {
    const mysql = expected.get(key);
    const duckdb = actual.get(key);
    if (!mysql || !duckdb) {
      differences.push({
        key,
        column: '*',
        mysql: mysql ? 'row' : '<absent>',
        duckdb: duckdb ? 'row' : '<absent>',
      });
      continue;
    }
    table.columns.forEach((column, i) => {
      if (!isDeepStrictEqual(mysql[i], duckdb[i])) {
        differences.push({ key, column: column.name, mysql: mysql[i] ?? null, duckdb: duckdb[i] ?? null });
      }
    });
  }
  return differences;
}

/** The first differences, one per line, for an assertion message. */
export function describeDifferences(table: string, differences: readonly Difference[], limit = 15): string {
  const lines = differences
    .slice(0, limit)
    .map(
      (d) =>
        `  key ${d.key} column ${d.column}: MySQL ${JSON.stringify(d.mysql)} DuckDB ${JSON.stringify(d.duckdb)}`,
    );
  const more = differences.length > limit ? [`  … and ${differences.length - limit} more`] : [];
  return [`${table}: ${differences.length} differences`, ...lines, ...more].join('\n');
}
