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

/** A value that cannot be written as its column's encoding; names the table, column and value. */
export class EncodeError extends Error {
  readonly code = 'ENCODE_VALUE';
  constructor(
    readonly table: string,
    readonly column: string,
    readonly value: string,
    reason: string,
  ) {
    super(`${table}.${column}: ${reason}: ${value}`);
    this.name = 'EncodeError';
  }
}

/** Raw value → encoded text, or null for SQL NULL. */
export type ValueEncoder = (value: unknown) => string | null;

export interface ColumnContext {
  readonly table: string;
  readonly column: string;
  /** fraction digits of TIME columns (time_seconds) */
  readonly fsp: number;
  readonly zeroDate: ZeroDatePolicy;
}

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

function describe(value: unknown): string {
  if (typeof value === 'string') return value.length > 200 ? `'${value.slice(0, 200)}…'` : `'${value}'`;
  if (Buffer.isBuffer(value)) return `0x${value.subarray(0, 100).toString('hex')}`;
  if (value instanceof Date) return `Date(${value.toISOString()})`;
  return `${typeof value} ${String(value)}`;
}

function fail(ctx: ColumnContext, value: unknown, reason: string): never {
  throw new EncodeError(ctx.table, ctx.column, describe(value), reason);
}

/** A Buffer/Date/number where text was expected means the connection is not using `lossless`. */
function unexpected(ctx: ColumnContext, value: unknown): never {
  return fail(
    ctx,
    value,
    `unexpected ${typeof value} value (is the connection using the lossless typeCast?)`,
  );
}

const ZERO = 48;
const NINE = 57;

function isDigits(s: string, from: number, to: number): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < ZERO || c > NINE) return false;
  }
  return true;
}

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

/** Month or day 00 (0000-00-00, 2024-00-15, 2024-01-00): Snowflake rejects these dates. */
function isZeroDate(s: string): boolean {
  return (
    (s.charCodeAt(5) === ZERO && s.charCodeAt(6) === ZERO) ||
    (s.charCodeAt(8) === ZERO && s.charCodeAt(9) === ZERO)
  );
}

function zeroDate(ctx: ColumnContext, v: string): null {
  if (ctx.zeroDate === 'null') return null;
  return fail(ctx, v, 'zero or partial date (zero_date policy is fail)');
}

function isDateText(s: string): boolean {
  return (
    s.length >= 10 &&
    s.charCodeAt(4) === 45 &&
    s.charCodeAt(7) === 45 &&
    isDigits(s, 0, 4) &&
    isDigits(s, 5, 7) &&
    isDigits(s, 8, 10)
  );
}

const date =
  (ctx: ColumnContext): ValueEncoder =>
  (v) => {
    if (typeof v === 'string') {
      if (v.length !== 10 || !isDateText(v)) return fail(ctx, v, 'not a YYYY-MM-DD date');
      return isZeroDate(v) ? zeroDate(ctx, v) : v;
    }
    if (v === null || v === undefined) return null;
    return unexpected(ctx, v);
  };

const FRACTION_PAD = ['.000000', '00000', '0000', '000', '00', '0', ''];

/** 'YYYY-MM-DD HH:MM:SS[.f{1,6}]' → always six fraction digits; undefined when not that shape. */
function sixDigitDateTime(s: string): string | undefined {
  if (!isDateText(s) || s.charCodeAt(10) !== 32 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) {
    return undefined;
  }
  if (s.length === 19) return s + FRACTION_PAD[0];
  if (s.length < 21 || s.length > 26 || s.charCodeAt(19) !== 46 || !isDigits(s, 20, s.length))
    return undefined;
  return s + FRACTION_PAD[s.length - 20];
}

const dateTimeWith =
  (suffix: string) =>
  (ctx: ColumnContext): ValueEncoder =>
  (v) => {
    if (typeof v === 'string') {
      const fixed = sixDigitDateTime(v);
      if (fixed === undefined) return fail(ctx, v, 'not a YYYY-MM-DD HH:MM:SS[.ffffff] datetime');
      return isZeroDate(v) ? zeroDate(ctx, v) : fixed + suffix;
    }
    if (v === null || v === undefined) return null;
    return unexpected(ctx, v);
  };

export interface MysqlTime {
  readonly negative: boolean;
  readonly hours: number;
  readonly minutes: number;
  readonly seconds: number;
  /** fraction digits as sent, '' when none */
  readonly fraction: string;
}

/** MySQL TIME text: [-]H{1,3}:MM:SS[.f{1,6}] (a duration, -838:59:59 .. 838:59:59). */
export function parseMysqlTime(s: string): MysqlTime | undefined {
  const negative = s.charCodeAt(0) === 45;
  const start = negative ? 1 : 0;
  const colon = s.indexOf(':', start);
  if (colon < 0 || !isDigits(s, start, colon) || s.charCodeAt(colon + 3) !== 58) return undefined;
  if (!isDigits(s, colon + 1, colon + 3) || !isDigits(s, colon + 4, colon + 6)) return undefined;
  const end = colon + 6;
  if (s.length > end && (s.charCodeAt(end) !== 46 || !isDigits(s, end + 1, s.length))) return undefined;
  const minutes = Number(s.slice(colon + 1, colon + 3));
  const seconds = Number(s.slice(colon + 4, end));
  if (minutes > 59 || seconds > 59) return undefined;
  const fraction = s.length > end ? s.slice(end + 1) : '';
  return { negative, hours: Number(s.slice(start, colon)), minutes, seconds, fraction };
}

/** Pads to `digits`; extra digits are allowed only when they are zeros (else data would be cut). */
function fitFraction(fraction: string, digits: number): string | undefined {
  if (fraction.length <= digits) return fraction + '0'.repeat(digits - fraction.length);
  for (let i = digits; i < fraction.length; i++) if (fraction.charCodeAt(i) !== ZERO) return undefined;
  return fraction.slice(0, digits);
}

const timeSeconds =
  (ctx: ColumnContext): ValueEncoder =>
  (v) => {
    if (typeof v !== 'string') return v === null || v === undefined ? null : unexpected(ctx, v);
    const t = parseMysqlTime(v) ?? fail(ctx, v, 'not a MySQL TIME');
    const fraction = fitFraction(t.fraction, ctx.fsp) ?? fail(ctx, v, `more than ${ctx.fsp} fraction digits`);
    const whole = String(t.hours * 3600 + t.minutes * 60 + t.seconds);
    return (t.negative ? '-' : '') + whole + (ctx.fsp > 0 ? `.${fraction}` : '');
  };

const timeOfDay =
  (ctx: ColumnContext): ValueEncoder =>
  (v) => {
    if (typeof v !== 'string') return v === null || v === undefined ? null : unexpected(ctx, v);
    const t = parseMysqlTime(v) ?? fail(ctx, v, 'not a MySQL TIME');
    if (t.negative || t.hours > 23)
      return fail(ctx, v, 'TIME outside 00:00:00..23:59:59.999999 (Snowflake TIME)');
    const fraction = fitFraction(t.fraction, 6) ?? fail(ctx, v, 'more than 6 fraction digits');
    return `${pad2(t.hours)}:${pad2(t.minutes)}:${pad2(t.seconds)}.${fraction}`;
  };

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

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
