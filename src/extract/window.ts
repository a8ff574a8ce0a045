/** The bounds of an extraction window, per cursor type. */
import { cursorOf, type TableModel } from '../model/types.js';
import {
  formatDate,
  MICROS_PER_DAY,
  minusSeconds,
  parseWallClock,
  plusSeconds,
  wallClockIn,
} from './cursor-time.js';
import type { MysqlSource, WallClock } from './mysql-source.js';
import * as queries from './queries.js';

/**
 * The highest cursor this run reads, fixed at run start. Time cursors stay `commit_lag_seconds` below the
 * database's now, so a transaction that commits late with an earlier timestamp is still ahead of the watermark.
 * DATETIME follows the zone the metadata names for it (`cursor.time_zone`), else the server's own zone (how NOW()
 * writes it), TIMESTAMP is read in UTC, a DATE cursor
 * only reads whole days that have ended, and a numeric cursor reads up to its current maximum.
 */
export async function upperBound(table: TableModel, source: MysqlSource): Promise<string | null> {
  const lag = table.commitLagSeconds;
  switch (cursorOf(table).encoding) {
    case 'datetime':
      return minusSeconds(datetimeNow(table, source.clock), lag);
    case 'timestamp_utc':
      return `${minusSeconds(source.clock.utcNow, lag)} +00:00`;
    case 'date': {
      const day = parseWallClock(minusSeconds(source.clock.localNow, lag)) / MICROS_PER_DAY;
      return formatDate((day - 1n) * MICROS_PER_DAY);
    }
    default: {
      const statement = queries.maxCursor(table);
      const [row] = await source.query<{ m: string | null }>(statement.sql, statement.values);
      return row?.m ?? null;
    }
  }
}

/**
 * Now, as the application writes a DATETIME cursor: in the zone the metadata names (`cursor.time_zone`),
 * otherwise in the server's own zone, as NOW() writes it.
 */
export function datetimeNow(table: TableModel, clock: WallClock): string {
  return table.cursorTimeZone === undefined
    ? clock.localNow
    : wallClockIn(table.cursorTimeZone, clock.utcNow);
}

/** The least slack before a cursor counts as "in the future": clocks of application hosts drift by seconds. */
export const FUTURE_TOLERANCE_SECONDS = 60;

/**
 * The cursor value past which a row lies "in the future": now (in the cursor's zone, as upperBound reads it) plus
 * `commit_lag_seconds`, at least FUTURE_TOLERANCE_SECONDS. Such rows are read only once the clock has passed them
 * (hours late, or years for a wrong year); they point at a wrong `cursor.time_zone` or a clock that is ahead.
 * Null for numeric cursors, which have no clock to be ahead of.
 */
export function futureBound(table: TableModel, clock: WallClock): string | null {
  const slack = Math.max(table.commitLagSeconds, FUTURE_TOLERANCE_SECONDS);
  switch (cursorOf(table).encoding) {
    case 'datetime':
      return plusSeconds(datetimeNow(table, clock), slack);
    case 'timestamp_utc':
      return `${plusSeconds(clock.utcNow, slack)} +00:00`;
    case 'date':
      // a day is in the future once it has not begun anywhere near the server
      return formatDate(parseWallClock(plusSeconds(clock.localNow, slack)));
    default:
      return null;
  }
}

/** Where the lookback re-read starts for a watermark cursor, or null when the cursor type has no lookback. */
export function lookbackLower(table: TableModel, cursor: string): string | null {
  const seconds = table.lookbackSeconds;
  if (seconds <= 0) return null;
  switch (cursorOf(table).encoding) {
    case 'datetime':
      return minusSeconds(cursor, seconds);
    case 'timestamp_utc':
      return `${minusSeconds(cursor.replace(/ \+00:00$/, ''), seconds)} +00:00`;
    case 'date': {
      const days = BigInt(Math.ceil(seconds / 86_400));
      return formatDate(parseWallClock(cursor) - days * MICROS_PER_DAY);
    }
    default:
      return null;
  }
}
