/**
 * How the MERGE turns a landing (VARCHAR) value into the target type. Explicit functions with explicit formats,
 * so a value that does not convert fails the task loudly (and stays in the stream) instead of being skipped
 * at load time the way Snowpipe skips a whole file (pitfall 11).
 */
import type { ColumnModel } from '../model/types.js';
import { literal } from '../sql/quote.js';

export const FORMATS = {
  date: 'YYYY-MM-DD',
  datetime: 'YYYY-MM-DD HH24:MI:SS.FF6',
  timestampUtc: 'YYYY-MM-DD HH24:MI:SS.FF6 TZH:TZM',
  timeOfDay: 'HH24:MI:SS.FF6',
} as const;

/** `expr` is an already-quoted reference to the landing column, e.g. r."PRICE". */
export function convertExpression(column: ColumnModel, expr: string): string {
  const type = column.snowflakeType;
  const number = /^NUMBER\((\d+),(\d+)\)$/.exec(type);
  if (number) return `TO_NUMBER(${expr}, ${number[1]}, ${number[2]})`;
  if (type === 'FLOAT') return `TO_DOUBLE(${expr})`;
  if (type === 'BOOLEAN') return `TO_BOOLEAN(TO_NUMBER(${expr}, 20, 0))`;
  if (type === 'DATE') return `TO_DATE(${expr}, ${literal(FORMATS.date)})`;
  if (type.startsWith('TIMESTAMP_NTZ')) {
    const format = column.encoding === 'timestamp_utc' ? FORMATS.timestampUtc : FORMATS.datetime;
    return `TO_TIMESTAMP_NTZ(${expr}, ${literal(format)})`;
  }
  if (type.startsWith('TIMESTAMP_TZ')) return `TO_TIMESTAMP_TZ(${expr}, ${literal(FORMATS.timestampUtc)})`;
  if (type.startsWith('TIMESTAMP_LTZ')) return `TO_TIMESTAMP_LTZ(${expr}, ${literal(FORMATS.timestampUtc)})`;
  if (type.startsWith('TIME(')) return `TO_TIME(${expr}, ${literal(FORMATS.timeOfDay)})`;
  if (type.startsWith('BINARY')) return `TO_BINARY(${expr}, 'BASE64')`;
  // 'd': an object with a duplicate key keeps the key's last value, as MySQL does, instead of failing the task on
  // every run (MariaDB stores JSON as text and accepts duplicates). https://docs.snowflake.com/en/sql-reference/functions/parse_json
  if (type === 'VARIANT') return `PARSE_JSON(${expr}, 'd')`;
  if (type.startsWith('VARCHAR')) return expr;
  throw new Error(`no conversion for Snowflake type ${type}`);
}
