/**
 * Encoders of DATE, DATETIME, TIMESTAMP and TIME text as MySQL sends it: six fraction digits always, zero dates by
 * the table's policy, TIME as signed seconds (MySQL TIME is a duration) or a time of day.
 */
import { type ColumnContext, fail, isDigits, unexpected, type ValueEncoder, ZERO } from './encode-core.js';

/** Month or day 00 (0000-00-00, 2024-00-15, 2024-01-00): Snowflake rejects these dates. */
export function isZeroDate(s: string): boolean {
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

export const date =
  (ctx: ColumnContext): ValueEncoder =>
  (v) => {
    if (typeof v === 'string') {
      if (v.length !== 10 || !isDateText(v)) return fail(ctx, v, 'not a YYYY-MM-DD date');
      return isZeroDate(v) ? zeroDate(ctx, v) : v;
    }
    if (v === null || v === undefined) return null;
    return unexpected(ctx, v);
  };

/** What completes a value with k fraction digits (index k) to six digits. */
export const FRACTION_PAD = ['.000000', '00000', '0000', '000', '00', '0', ''];

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

export const dateTimeWith =
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

export const timeSeconds =
  (ctx: ColumnContext): ValueEncoder =>
  (v) => {
    if (typeof v !== 'string') return v === null || v === undefined ? null : unexpected(ctx, v);
    const t = parseMysqlTime(v) ?? fail(ctx, v, 'not a MySQL TIME');
    const fraction = fitFraction(t.fraction, ctx.fsp) ?? fail(ctx, v, `more than ${ctx.fsp} fraction digits`);
    const whole = String(t.hours * 3600 + t.minutes * 60 + t.seconds);
    return (t.negative ? '-' : '') + whole + (ctx.fsp > 0 ? `.${fraction}` : '');
  };

export const timeOfDay =
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
