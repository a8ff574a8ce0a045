/** Arithmetic on cursor text as the extractor writes it ('YYYY-MM-DD HH:MM:SS.ffffff'), to the microsecond. */

const PATTERN = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?)?$/;

/** Microseconds since 1970-01-01 00:00:00 of a wall-clock text, with no time zone involved. */
export function parseWallClock(text: string): bigint {
  const m = PATTERN.exec(text.trim());
  if (!m) throw new Error(`not a date or datetime: ${text}`);
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = ''] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  return BigInt(ms) * 1000n + BigInt(frac.padEnd(6, '0') || '0');
}

export function formatDateTime(micros: bigint): string {
  const ms = micros / 1000n;
  const rest = micros % 1000n;
  const iso = new Date(Number(ms)).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${iso.slice(20, 23)}${String(rest).padStart(3, '0')}`;
}

export function formatDate(micros: bigint): string {
  return formatDateTime(micros).slice(0, 10);
}

export function minusSeconds(text: string, seconds: number): string {
  return formatDateTime(parseWallClock(text) - BigInt(Math.round(seconds * 1_000_000)));
}

export const MICROS_PER_DAY = 86_400_000_000n;
