/** What every value encoder shares: the error it raises and small text checks. */
import type { ZeroDatePolicy } from '../model/types.js';

/** A value that cannot be written as its column's encoding; names the table, column and value. */
export class EncodeError extends Error {
  readonly code = 'ENCODE_VALUE';
  constructor(
    readonly table: string,
    readonly column: string,
    readonly value: string,
    readonly reason: string,
    readonly key: readonly string[] | undefined = undefined,
  ) {
    const row = key === undefined ? '' : ` (the row with key (${key.join(', ')}))`;
    super(`${table}.${column}: ${reason}: ${value}${row}`);
    this.name = 'EncodeError';
  }

  /** the same error naming its row, added by whoever knows the row (table-run.ts) */
  withKey(key: readonly string[]): EncodeError {
    return new EncodeError(this.table, this.column, this.value, this.reason, key);
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

export function describe(value: unknown): string {
  if (typeof value === 'string') return value.length > 200 ? `'${value.slice(0, 200)}…'` : `'${value}'`;
  if (Buffer.isBuffer(value)) return `0x${value.subarray(0, 100).toString('hex')}`;
  if (value instanceof Date) return `Date(${value.toISOString()})`;
  return `${typeof value} ${String(value)}`;
}

export function fail(ctx: ColumnContext, value: unknown, reason: string): never {
  throw new EncodeError(ctx.table, ctx.column, describe(value), reason);
}

/** A Buffer/Date/number where text was expected means the connection is not using `lossless`. */
export function unexpected(ctx: ColumnContext, value: unknown): never {
  return fail(
    ctx,
    value,
    `unexpected ${typeof value} value (is the connection using the lossless typeCast?)`,
  );
}

export const ZERO = 48;
export const NINE = 57;

export function isDigits(s: string, from: number, to: number): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < ZERO || c > NINE) return false;
  }
  return true;
}
