/**
 * How a row becomes a CSV line. Most columns are formatted by MySQL itself into one ready-made CSV string per row
 * (CONCAT_WS of enclosed, quote-doubled values), which cuts the driver's per-field parsing and the JS encoding
 * that dominated extraction time; the rest (floats, TIME, large text and blobs, zero-date checks that must
 * fail loudly) are read raw and encoded in JS. Columns are matched by the header (MATCH_BY_COLUMN_NAME), so
 * the file's column order is free: server-formatted columns first, then JS-encoded ones, then _SNOWSTAGE_OP.
 * Both paths produce the same text for a value; test/extract/row-plan.test.ts checks that on every type.
 */
import { META } from '../model/names.js';
import type { ColumnModel, TableModel } from '../model/types.js';
import { mysqlIdentifier as q } from '../sql/quote.js';
import { csvHeader, makeValueEncoder, quoteField, SERVER_LINE_ALIAS } from './encode.js';
import { FRACTION_PAD } from './encode-temporal.js';
import type { RowPosition } from './file-sink.js';
import { fixFor, narrowedDecimal, narrowedVarchar, ValueTooLargeError, valueCheck } from './value-limits.js';

export interface RowPlan {
  /** SELECT list: the server-built CSV string (when any column is server-formatted), then the raw columns */
  readonly selectList: string;
  /** the header line, in file column order */
  readonly header: string;
  /** the CSV line with its newline: bytes straight from MySQL when it built the whole line, else text */
  encodeRow(row: unknown[]): string | Buffer;
  positionOf(row: unknown[]): RowPosition;
  /**
   * True when MySQL builds the whole line: the one selected value is wanted as raw bytes, so the driver can skip
   * type casting (no per-field callback and closure for each of millions of rows).
   */
  readonly wholeLine: boolean;
  /** file column order, for tests and docs */
  readonly columnOrder: readonly string[];
}

export interface RowPlanOptions {
  /** false: every column through the JS encoders (the reference path, also used by tests) */
  readonly serverFormatting: boolean;
  /**
   * Character set of each text column as MySQL reports it (information_schema, keyed by lower-case column
   * name). utf8mb4 columns need no conversion; any other or unknown set is converted to utf8mb4 on the server.
   */
  readonly charsets?: ReadonlyMap<string, string | null>;
}

/**
 * A row's server-built part must stay far below max_allowed_packet (MySQL returns NULL for longer CONCAT
 * results): only columns whose largest value is bounded go there, within this budget.
 */
const SERVER_BUDGET_BYTES = 1_000_000;
/** A newline that does not depend on sql_mode (NO_BACKSLASH_ESCAPES turns '\n' into two characters). */
const NEWLINE = 'CHAR(10 USING utf8mb4)';

/*
 * Cost matters here: the expressions run on the source database, one thread per query. Measured on 1M rows
 * (bench/extract.ts): DATE_FORMAT, CAST(… AS CHAR) and CONVERT(… USING utf8mb4) on columns that are already
 * utf8mb4 took MariaDB from 2.6 to 4.0 CPU-seconds, so values are used in their native text form wherever
 * that is already the encoded text (CONCAT turns numbers and temporals into exactly that text).
 */

/** SQL producing a column's encoded text (NULL for NULL), or undefined when the column must be encoded in JS. */
function serverExpression(
  column: ColumnModel,
  table: TableModel,
  charsets: RowPlanOptions['charsets'],
): { sql: string; maxBytes: number } | undefined {
  const c = q(column.source);
  const type = column.mysqlType;
  if (type.text.toLowerCase().includes('zerofill')) return undefined;
  // a narrowing override (a DECIMAL to a smaller NUMBER, any column to a shorter VARCHAR) is checked value by
  // value in JS (value-limits.ts)
  if (narrowedDecimal(column) || narrowedVarchar(column) !== undefined) return undefined;
  switch (column.encoding) {
    case 'integer':
    case 'boolean':
    case 'decimal':
      // BIT(1) as BOOLEAN: as text a BIT value is its raw bytes, `+ 0` makes it a number first.
      return { sql: type.base === 'BIT' ? `${c} + 0` : c, maxBytes: 80 };
    case 'bit':
      return { sql: `${c} + 0`, maxBytes: 24 };
    case 'date':
      return table.zeroDate === 'null' ? { sql: unlessZeroDate(column, c), maxBytes: 12 } : undefined;
    case 'datetime':
      return table.zeroDate === 'null'
        ? { sql: unlessZeroDate(column, sixFractionDigits(column, '')), maxBytes: 28 }
        : undefined;
    case 'timestamp_utc':
      // The extraction session runs with time_zone = '+00:00'.
      return table.zeroDate === 'null'
        ? { sql: unlessZeroDate(column, sixFractionDigits(column, ' +00:00')), maxBytes: 36 }
        : undefined;
    case 'text': {
      const maxBytes = textBytes(column);
      if (maxBytes === undefined) return undefined;
      // One explicit collation for every part, or CONCAT may refuse an "illegal mix of collations".
      const utf8 =
        charsets?.get(column.source.toLowerCase()) === 'utf8mb4'
          ? `${c} COLLATE utf8mb4_bin`
          : `CONVERT(${c} USING utf8mb4) COLLATE utf8mb4_bin`;
      return { sql: `REPLACE(${utf8}, '"', '""')`, maxBytes: maxBytes * 2 };
    }
    case 'base64': {
      const length = type.base === 'BINARY' || type.base === 'VARBINARY' ? (type.args[0] ?? 1) : undefined;
      if (length === undefined || length > 65535) return undefined;
      // TO_BASE64 wraps lines at 76 characters on MySQL and MariaDB alike.
      // CHAR(10), not '\n': with sql_mode NO_BACKSLASH_ESCAPES '\n' would be two characters.
      return { sql: `REPLACE(TO_BASE64(${c}), ${NEWLINE}, '')`, maxBytes: Math.ceil((length * 4) / 3) + 4 };
    }
    default:
      return undefined;
  }
}

/**
 * A DATETIME or TIMESTAMP as text shows as many fraction digits as the column declares; the file always has six
 * (as DATE_FORMAT's %f would write, at a fraction of its cost). The padding is a constant of digits.
 */
function sixFractionDigits(column: ColumnModel, suffix: string): string {
  const declared = column.mysqlType.args[0] ?? 0;
  const tail = `${FRACTION_PAD[declared] ?? ''}${suffix}`;
  return tail === '' ? q(column.source) : `CONCAT(${q(column.source)}, '${tail}')`;
}

/**
 * NULL for zero and partial dates (zero_date: as_null). A TIMESTAMP can only be wholly zero, which `= 0` finds
 * more cheaply; DATE and DATETIME can have a zero month or day alone ('2024-02-00').
 */
function unlessZeroDate(column: ColumnModel, formatted: string): string {
  const c = q(column.source);
  const zero = column.mysqlType.base === 'TIMESTAMP' ? `${c} = 0` : `MONTH(${c}) = 0 OR DAYOFMONTH(${c}) = 0`;
  return `IF(${zero}, NULL, ${formatted})`;
}

/** Worst-case bytes of a text column (4 bytes per character), or undefined when unbounded for our purpose. */
function textBytes(column: ColumnModel): number | undefined {
  const { base, args, values } = column.mysqlType;
  if (base === 'CHAR' || base === 'VARCHAR') return (args[0] ?? 1) * 4;
  if (base === 'TINYTEXT') return 255;
  if (base === 'TEXT') return 65535;
  if (base === 'ENUM' || base === 'SET') return values.reduce((n, v) => n + v.length * 4 + 1, 1);
  return undefined;
}

/** A raw column: FLOAT read as DOUBLE (MariaDB prints FLOAT with 6 digits), spatial values as WKT. */
function rawSelect(column: ColumnModel): string {
  if (column.mysqlType.base === 'FLOAT') return `(${q(column.source)} + 0e0)`;
  if (column.encoding === 'wkt') return `ST_AsText(${q(column.source)})`;
  return q(column.source);
}

export function makeRowPlan(table: TableModel, options: RowPlanOptions): RowPlan {
  // a snapshot table has no cursor
  const ordered = [...table.primaryKey, table.cursor, ...table.columns].filter(
    (c, i, all): c is ColumnModel => c !== undefined && all.indexOf(c) === i,
  );
  const server: { column: ColumnModel; sql: string }[] = [];
  let budget = SERVER_BUDGET_BYTES;
  if (options.serverFormatting) {
    for (const column of ordered) {
      const expression = serverExpression(column, table, options.charsets);
      if (!expression || expression.maxBytes > budget) continue;
      budget -= expression.maxBytes;
      server.push({ column, sql: expression.sql });
    }
  }
  const serverColumns = server.map((s) => s.column);
  const jsColumns = table.columns.filter((c) => !serverColumns.includes(c));
  const encoderOptions = { zeroDate: table.zeroDate, table: table.name };
  const jsEncoders = jsColumns.map((c) => limited(c, table.name, makeValueEncoder(c, encoderOptions)));
  const hasServer = server.length > 0;
  const offset = hasServer ? 1 : 0;
  // When MySQL formats every column it also appends the _SNOWSTAGE_OP field and the newline: the row's bytes are
  // then the finished line and go to gzip untouched.
  const wholeLine = hasServer && jsColumns.length === 0;
  const serverFields = server.map((s) => `IFNULL(CONCAT('"', ${s.sql}, '"'), '')`).join(', ');
  const serverLine = wholeLine
    ? `CONCAT_WS(',', ${serverFields}, CONCAT('"U"', ${NEWLINE}))`
    : `CONCAT_WS(',', ${serverFields})`;
  const selectList = [
    ...(hasServer ? [`${serverLine} AS ${SERVER_LINE_ALIAS}`] : []),
    ...jsColumns.map(rawSelect),
  ].join(', ');
  const columnOrder = [...serverColumns, ...jsColumns].map((c) => c.name);

  const serverBytes = (row: unknown[]): Buffer => {
    const bytes = row[0];
    // MySQL answers NULL (with only a warning) when a CONCAT result would pass max_allowed_packet.
    if (!Buffer.isBuffer(bytes)) throw new Error(`${table.name}: MySQL returned no CSV text for a row`);
    return bytes;
  };
  const encodeRow = (row: unknown[]): string | Buffer => {
    if (wholeLine) return serverBytes(row);
    let tail = '';
    for (let i = 0; i < jsEncoders.length; i++) {
      const value = (jsEncoders[i] as (v: unknown) => string | null)(row[i + offset]);
      const field = value === null ? '' : quoteField(value);
      tail = i === 0 && !hasServer ? field : `${tail},${field}`;
    }
    tail += ',"U"\n';
    return hasServer ? Buffer.concat([serverBytes(row), Buffer.from(tail, 'utf8')]) : tail;
  };

  const fieldOf = (column: ColumnModel, row: unknown[]): string | null => {
    const serverIndex = serverColumns.indexOf(column);
    if (serverIndex >= 0) return csvFields(String(row[0]), serverIndex + 1)[serverIndex] ?? null;
    const jsIndex = jsColumns.indexOf(column);
    return (jsEncoders[jsIndex] as (v: unknown) => string | null)(row[jsIndex + offset]);
  };
  const positionOf = (row: unknown[]): RowPosition => ({
    cursor: table.cursor ? fieldOf(table.cursor, row) : null,
    key: table.primaryKey.map((k) => fieldOf(k, row) ?? ''),
  });
  const hasLimits = jsColumns.some((c) => valueCheck(c) !== undefined);
  return {
    selectList,
    header: csvHeader([...columnOrder, META.op]),
    // a value too large for Snowflake is reported with the key of its row
    encodeRow: hasLimits
      ? (row) => {
          try {
            return encodeRow(row);
          } catch (error) {
            throw error instanceof ValueTooLargeError ? error.withKey(positionOf(row).key) : error;
          }
        }
      : encodeRow,
    positionOf,
    wholeLine,
    columnOrder,
  };
}

/** The column's encoder, checking each value against Snowflake's limits when its type can exceed them. */
function limited(
  column: ColumnModel,
  table: string,
  encode: (value: unknown) => string | null,
): (value: unknown) => string | null {
  const check = valueCheck(column);
  if (check === undefined) return encode;
  return (value) => {
    const encoded = encode(value);
    const problem = encoded === null ? undefined : check(encoded);
    if (problem !== undefined) {
      throw new ValueTooLargeError(table, column.source, problem, undefined, fixFor(column));
    }
    return encoded;
  };
}

/** The first `count` fields of a CSV line as written here (enclosed values, `""` quotes, empty = NULL). */
export function csvFields(line: string, count: number): (string | null)[] {
  const fields: (string | null)[] = [];
  let i = 0;
  while (fields.length < count && i <= line.length) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const quote = line.indexOf('"', i);
        if (quote < 0) throw new Error('unterminated field in a server-built CSV line');
        value += line.slice(i, quote);
        if (line[quote + 1] === '"') {
          value += '"';
          i = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      fields.push(value);
    } else {
      fields.push(null);
    }
    i++; // the comma
  }
  return fields;
}
