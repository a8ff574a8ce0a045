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

export function plusSeconds(text: string, seconds: number): string {
  return minusSeconds(text, -seconds);
}

export const MICROS_PER_DAY = 86_400_000_000n;

/**
 * The wall clock in `zone` at the instant whose UTC wall clock is `utc` (both 'YYYY-MM-DD HH:MM:SS.ffffff'):
 * what an application writing DATETIME values in that zone writes now. The zone's offset at that instant comes
 * from Node's ICU time zone data (daylight saving included).
 */
export function wallClockIn(zone: string, utc: string): string {
  const micros = parseWallClock(utc);
  return formatDateTime(micros + BigInt(zoneOffsetMs(zone, Number(micros / 1000n))) * 1000n);
}

function zoneOffsetMs(zone: string, epochMs: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(epochMs));
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const local = Date.UTC(
    part('year'),
    part('month') - 1,
    part('day'),
    part('hour'),
    part('minute'),
    part('second'),
  );
  // whole seconds on both sides: the instant's milliseconds are not part of the offset
  return local - Math.floor(epochMs / 1000) * 1000;
}
