/**
 * Values Snowflake cannot hold. A landing column holds at most 128 MB (VARCHAR's byte cap, reference §2) and a
 * BINARY target at most its declared length (64 MB at most); MySQL's LONGTEXT, LONGBLOB and JSON go up to 4 GB.
 * A value past the landing limit makes Snowpipe fail the file (with ON_ERROR = SKIP_FILE, every row in it); past
 * the target limit the MERGE fails. Either way the table is stopped at extraction instead, naming the row's key
 * and the column, and nothing of the run is saved.
 *
 * Only columns whose MySQL type can exceed a limit are checked (the large landing columns, see type-map.ts), and
 * only on the text already encoded for the file: a length comparison per value, the exact byte count only for
 * values long enough to be in doubt. Server-formatted columns are bounded by construction (row-plan.ts).
 */
import { defaultMapping } from '../model/type-map.js';
import type { ColumnModel } from '../model/types.js';
import { RunFailure } from './run-types.js';

/** VARCHAR's maximum size in bytes, whatever the declared length (reference §2). */
const VARCHAR_MAX_BYTES = 134_217_728;
/** the landing type of columns whose values can pass 16 MB (type-map.ts RAW_LARGE) */
const LARGE_RAW_TYPE = 'VARCHAR(134217728)';

/** Checks one encoded value; undefined for columns that cannot exceed any limit. */
export type ValueCheck = (encoded: string) => string | undefined;

export function valueCheck(column: ColumnModel): ValueCheck | undefined {
  const narrowed = narrowedDecimal(column);
  if (narrowed) return numberCheck(column, narrowed);
  const size = sizeCheck(column);
  const length = narrowedVarchar(column);
  if (length === undefined) return size;
  const fits = lengthCheck(column, length);
  return size ? (encoded) => fits(encoded) ?? size(encoded) : fits;
}

/** Snowflake's landing and target size limits, for the columns whose MySQL type can pass them. */
function sizeCheck(column: ColumnModel): ValueCheck | undefined {
  if (column.rawType.replace(/\s+/g, '').toUpperCase() !== LARGE_RAW_TYPE) return undefined;
  const binary = /^BINARY\((\d+)\)$/i.exec(column.snowflakeType.replace(/\s+/g, ''));
  const maxDecoded = column.encoding === 'base64' && binary ? Number(binary[1]) : undefined;
  return (encoded) => {
    // every UTF-16 unit is 1 to 3 UTF-8 bytes: only values in doubt are measured
    if (encoded.length * 3 > VARCHAR_MAX_BYTES) {
      const bytes = encoded.length > VARCHAR_MAX_BYTES ? encoded.length : Buffer.byteLength(encoded, 'utf8');
      if (bytes > VARCHAR_MAX_BYTES) {
        return `is ${bytes} bytes as text, more than a Snowflake landing column holds (${VARCHAR_MAX_BYTES} bytes): Snowpipe would fail the whole file`;
      }
    }
    if (maxDecoded !== undefined) {
      const decoded = base64Bytes(encoded);
      if (decoded > maxDecoded) {
        return `is ${decoded} bytes, more than its Snowflake target ${column.snowflakeType} holds: the MERGE would fail on it`;
      }
    }
    return undefined;
  };
}

/**
 * A DECIMAL overridden to a NUMBER(p,s) with fewer integer digits than MySQL allows (DECIMAL(65,30) as
 * NUMBER(38,30) keeps 8 of 35): the override vouches that the data fits, this checks it. Undefined for columns
 * whose target holds every value MySQL can store. Such columns are encoded in JS (row-plan.ts), so only tables
 * with such an override pay for the check.
 */
export function narrowedDecimal(column: ColumnModel): { precision: number; scale: number } | undefined {
  if (column.encoding !== 'decimal') return undefined;
  const target = /^NUMBER\((\d+),(\d+)\)$/i.exec(column.snowflakeType.replace(/\s+/g, ''));
  if (!target) return undefined;
  const precision = Number(target[1]);
  const scale = Number(target[2]);
  const [p = 10, s = 0] = column.mysqlType.args;
  return p - s > precision - scale ? { precision, scale } : undefined;
}

/**
 * The MERGE casts with TO_NUMBER(x, p, s), which rounds the fraction to s digits and fails the task when the
 * rounded value needs more than p - s integer digits.
 */
function numberCheck(column: ColumnModel, target: { precision: number; scale: number }): ValueCheck {
  const allowed = target.precision - target.scale;
  return (encoded) => {
    const unsigned = encoded.startsWith('-') ? encoded.slice(1) : encoded;
    const dot = unsigned.indexOf('.');
    const whole = (dot < 0 ? unsigned : unsigned.slice(0, dot)).replace(/^0+/, '');
    const fraction = dot < 0 ? '' : unsigned.slice(dot + 1);
    if (whole.length < allowed) return undefined;
    const carries =
      whole.length === allowed &&
      /^9*$/.test(whole) &&
      /^9*$/.test(fraction.slice(0, target.scale).padEnd(target.scale, '0')) &&
      fraction.charCodeAt(target.scale) >= 53; // '5'..'9' rounds up into a new integer digit
    if (whole.length === allowed && !carries) return undefined;
    return `is ${encoded}, which does not fit its Snowflake type ${column.snowflakeType} (snowflake_type override of ${column.mysqlType.text}: at most ${allowed} integer digits): the MERGE would fail on it`;
  };
}

/**
 * A column overridden to a VARCHAR(n) shorter than its default mapping (a VARCHAR(255) as VARCHAR(100), a number
 * as VARCHAR(5)): the MERGE fails on a longer value ("String is too long and would be truncated"). The length, in
 * characters as Snowflake counts them, of the extractor's text. Undefined when every value fits.
 */
export function narrowedVarchar(column: ColumnModel): number | undefined {
  const target = /^VARCHAR\((\d+)\)$/i.exec(column.snowflakeType.replace(/\s+/g, ''));
  if (!target) return undefined;
  const length = Number(target[1]);
  const fallback = defaultMapping(column.mysqlType);
  const wide = 'snowflakeType' in fallback ? /^VARCHAR\((\d+)\)$/i.exec(fallback.snowflakeType) : null;
  return wide && Number(wide[1]) <= length ? undefined : length;
}

function lengthCheck(column: ColumnModel, length: number): ValueCheck {
  return (encoded) => {
    if (encoded.length <= length) return undefined; // UTF-16 units are never fewer than characters
    let characters = 0;
    for (const _ of encoded) characters++;
    return characters > length
      ? `is ${characters} characters long, longer than its Snowflake type ${column.snowflakeType} (snowflake_type override of ${column.mysqlType.text}): the MERGE would fail on it`
      : undefined;
  };
}

/** What to do about a value a column cannot take, by the reason it cannot. */
export function fixFor(column: ColumnModel): string {
  const wider = (how: string) =>
    `set a wider snowflake_type for ${column.source} in the table's metadata (${how}), or correct the value in MySQL`;
  if (narrowedDecimal(column)) return wider('fewer fraction digits, or VARCHAR');
  if (narrowedVarchar(column) !== undefined) return wider('a longer VARCHAR(n), or VARCHAR');
  return 'shorten or remove the value in MySQL';
}

function base64Bytes(encoded: string): number {
  const padding = encoded.endsWith('==') ? 2 : encoded.endsWith('=') ? 1 : 0;
  return (encoded.length / 4) * 3 - padding;
}

/** A value too large for Snowflake; the key is added by whoever knows the row. */
export class ValueTooLargeError extends RunFailure {
  constructor(
    readonly table: string,
    readonly column: string,
    readonly problem: string,
    readonly key: readonly string[] | undefined = undefined,
    readonly fix = 'shorten or remove the value in MySQL',
  ) {
    super(
      `${table}: column ${column} of the row with key (${key?.join(', ') ?? '?'}) ${problem}. Nothing of this run was saved; ${fix}, then run again`,
    );
  }

  withKey(key: readonly string[]): ValueTooLargeError {
    return new ValueTooLargeError(this.table, this.column, this.problem, key, this.fix);
  }
}
