/**
 * Turns the raw values mysql2 returns into the exact CSV text the generated MERGE converts, one encoder per
 * `Encoding`. The file format is fixed by the generator: every non-NULL value enclosed in `"` (embedded `"`
 * doubled), NULL an unenclosed empty field, ESCAPE=NONE, so nothing else needs escaping.
 *
 * Values must arrive as text (or bytes) straight from the wire, never through a JS number or Date: use the
 * `lossless` typeCast below with the text protocol (`query`, not `execute`).
 */
import type { TypeCast, TypeCastField, TypeCastNext } from 'mysql2';
import type { ColumnModel, Encoding, ZeroDatePolicy } from '../model/types.js';
import {
  type ColumnContext,
  EncodeError,
  fail,
  NINE,
  unexpected,
  type ValueEncoder,
  ZERO,
} from './encode-core.js';
import { date, dateTimeWith, timeOfDay, timeSeconds } from './encode-temporal.js';

export { type ColumnContext, EncodeError, type ValueEncoder } from './encode-core.js';
export { type MysqlTime, parseMysqlTime } from './encode-temporal.js';

/**
 * mysql2 typeCast that returns text for every numeric and temporal type (so BIGINT UNSIGNED, DECIMAL, DOUBLE,
 * DATETIME(6) and TIME keep MySQL's own spelling), text for JSON (MySQL 8 JSON type and MariaDB's LONGTEXT
 * JSON, which mysql2 would otherwise parse), and a Buffer for BIT and binary-charset strings.
 * Only valid with the text protocol: under `execute` the wire values are binary.
 */
/** Column alias of the CSV line MySQL builds (row-plan.ts); it is passed on as bytes, never decoded. */
export const SERVER_LINE_ALIAS = '__snowstage_line';

export const lossless = ((field: TypeCastField, next: TypeCastNext): unknown => {
  if (field.name === SERVER_LINE_ALIAS) return field.buffer();
  switch (field.type) {
    case 'TINY':
    case 'SHORT':
    case 'LONG':
    case 'INT24':
    case 'LONGLONG':
    case 'YEAR':
    case 'FLOAT':
    case 'DOUBLE':
    case 'DECIMAL':
    case 'NEWDECIMAL':
    case 'DATE':
    case 'NEWDATE':
    case 'DATETIME':
    case 'DATETIME2':
    case 'TIMESTAMP':
    case 'TIMESTAMP2':
    case 'TIME':
    case 'TIME2':
      return field.string('latin1');
    case 'JSON':
      // MySQL labels JSON with the binary charset, but the document is always utf8mb4
      return field.string('utf8');
    case 'BIT':
    case 'GEOMETRY':
    case 'VECTOR':
      return field.buffer();
    default:
      // MariaDB JSON is LONGTEXT flagged json in extended metadata; mysql2 would JSON.parse it
      if (field.extendedFormat === 'json') return field.string();
      // strings: mysql2 decodes text charsets and returns a Buffer for the binary charset
      return next();
  }
}) satisfies TypeCast;

/** ZEROFILL integers and YEAR 0000 arrive zero-padded; the integer encoding is plain base-10 text. */
function stripLeadingZeros(s: string): string {
  if (s.length < 2 || s.charCodeAt(0) !== ZERO) return s;
  let i = 0;
  while (i < s.length - 1 && s.charCodeAt(i) === ZERO) i++;
  return s.slice(i);
}

/** BIT(n) arrives as ceil(n/8) big-endian bytes. */
export function bitsToDecimal(bytes: Uint8Array): string {
  if (bytes.length <= 6) {
    let n = 0;
    for (let i = 0; i < bytes.length; i++) n = n * 256 + (bytes[i] ?? 0);
    return String(n);
  }
  let n = 0n;
  for (let i = 0; i < bytes.length; i++) n = (n << 8n) | BigInt(bytes[i] ?? 0);
  return n.toString();
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function utf8Text(ctx: ColumnContext, bytes: Buffer): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return fail(ctx, bytes, 'bytes are not valid UTF-8');
  }
}

const integer =
  (ctx: ColumnContext): ValueEncoder =>
  (v) => {
    if (typeof v === 'string') return stripLeadingZeros(v);
    if (v === null || v === undefined) return null;
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
    return unexpected(ctx, v);
  };

const decimal =
  (ctx: ColumnContext): ValueEncoder =>
  (v) => {
    if (typeof v === 'string') return v;
    if (v === null || v === undefined) return null;
    return unexpected(ctx, v);
  };

/** Snowflake's spellings of the IEEE specials; MySQL cannot store them, other producers might. */
function floatSpecial(s: string): string | undefined {
  const lower = s.toLowerCase();
  if (lower === 'nan' || lower === '-nan') return 'NaN';
  if (lower === 'inf' || lower === 'infinity' || lower === '+inf' || lower === '+infinity') return 'inf';
  if (lower === '-inf' || lower === '-infinity') return '-inf';
  return undefined;
}

const float =
  (ctx: ColumnContext): ValueEncoder =>
  (v) => {
    if (typeof v === 'string') {
      const c = v.charCodeAt(v.length - 1);
      // MySQL's own text is shortest round-trip; only non-numeric spellings need rewriting
      return c >= ZERO && c <= NINE ? v : (floatSpecial(v) ?? fail(ctx, v, 'not a floating-point number'));
    }
    if (v === null || v === undefined) return null;
    if (typeof v === 'number') {
      if (Number.isNaN(v)) return 'NaN';
      if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
      return String(v); // JS number → string is already shortest round-trip
    }
    return unexpected(ctx, v);
  };

const text =
  (ctx: ColumnContext): ValueEncoder =>
  (v) => {
    if (typeof v === 'string') return v;
    if (v === null || v === undefined) return null;
    if (Buffer.isBuffer(v)) return utf8Text(ctx, v);
    return unexpected(ctx, v);
  };

const base64 =
  (ctx: ColumnContext): ValueEncoder =>
  (v) => {
    if (Buffer.isBuffer(v)) return v.toString('base64');
    if (v === null || v === undefined) return null;
    // a string here was already decoded through a character set: the original bytes are gone
    return unexpected(ctx, v);
  };

const bit =
  (ctx: ColumnContext): ValueEncoder =>
  (v) => {
    if (Buffer.isBuffer(v)) return bitsToDecimal(v);
    if (v === null || v === undefined) return null;
    return unexpected(ctx, v);
  };

const boolean =
  (ctx: ColumnContext): ValueEncoder =>
  (v) => {
    if (typeof v === 'string') return v;
    if (v === null || v === undefined) return null;
    if (Buffer.isBuffer(v)) return bitsToDecimal(v); // BIT(1) overridden to BOOLEAN
    if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'boolean') return v ? '1' : '0';
    return unexpected(ctx, v);
  };

interface EncodingSpec {
  readonly make: (ctx: ColumnContext) => ValueEncoder;
  /** whether encoded text can contain `"` (and so may need doubling) */
  readonly mayQuote: boolean;
}

const ENCODERS = {
  integer: { make: integer, mayQuote: false },
  decimal: { make: decimal, mayQuote: false },
  float: { make: float, mayQuote: false },
  text: { make: text, mayQuote: true },
  json: { make: text, mayQuote: true },
  base64: { make: base64, mayQuote: false },
  bit: { make: bit, mayQuote: false },
  date: { make: date, mayQuote: false },
  datetime: { make: dateTimeWith(''), mayQuote: false },
  timestamp_utc: { make: dateTimeWith(' +00:00'), mayQuote: false },
  time_seconds: { make: timeSeconds, mayQuote: false },
  time_of_day: { make: timeOfDay, mayQuote: false },
  boolean: { make: boolean, mayQuote: false },
  // the extractor selects ST_AsText(column), so the value arrives as text
  wkt: { make: text, mayQuote: true },
} as const satisfies Record<Encoding, EncodingSpec>;

export interface RowEncoderOptions {
  readonly zeroDate: ZeroDatePolicy;
  readonly table: string;
}

export function makeValueEncoder(column: ColumnModel, options: RowEncoderOptions): ValueEncoder {
  const ctx: ColumnContext = {
    table: options.table,
    column: column.source,
    fsp: column.fsp,
    zeroDate: options.zeroDate,
  };
  return ENCODERS[column.encoding].make(ctx);
}

/** Encloses in `"`, doubling embedded `"` (FIELD_OPTIONALLY_ENCLOSED_BY='"', ESCAPE=NONE). */
export function quoteField(s: string): string {
  return s.indexOf('"') === -1 ? `"${s}"` : `"${s.replaceAll('"', '""')}"`;
}

type FieldWriter = (value: unknown) => string;

function fieldWriter(column: ColumnModel, options: RowEncoderOptions): FieldWriter {
  const encode = makeValueEncoder(column, options);
  if (ENCODERS[column.encoding].mayQuote) {
    return (v) => {
      const s = encode(v);
      return s === null ? '' : quoteField(s);
    };
  }
  // digits, dates and base64 never contain `"`: skip the scan
  return (v) => {
    const s = encode(v);
    return s === null ? '' : `"${s}"`;
  };
}

/** The header line (PARSE_HEADER=TRUE): every name enclosed, like the values. */
export function csvHeader(names: readonly string[]): string {
  return `${names.map(quoteField).join(',')}\n`;
}

/** One CSV line (with trailing `\n`) per row array in column order (mysql2 `rowsAsArray: true`). */
export function makeRowEncoder(
  columns: readonly ColumnModel[],
  options: RowEncoderOptions,
  /** already-encoded fields appended to every line, e.g. `,"U"` for the _SNOWSTAGE_OP column */
  suffix = '',
): (row: unknown[]) => string {
  const writers = columns.map((c) => fieldWriter(c, options));
  const count = writers.length;
  const first = writers[0];
  if (first === undefined) throw new Error(`${options.table}: no columns to encode`);
  return (row) => {
    if (row.length !== count) {
      throw new EncodeError(options.table, '*', `${row.length} values`, `expected ${count} values per row`);
    }
    let line = first(row[0]);
    for (let i = 1; i < count; i++) line += `,${(writers[i] as FieldWriter)(row[i])}`;
    return `${line}${suffix}\n`;
  };
}
