/** Wall clocks in the zone an application writes its DATETIME cursor in (cursor.time_zone). */
import { describe, expect, it } from 'vitest';
import { wallClockIn } from '../../src/extract/cursor-time.js';

describe('wallClockIn', () => {
  it.each([
    ['UTC', '2024-07-01 12:00:00.123456', '2024-07-01 12:00:00.123456'],
    ['Europe/Berlin', '2024-07-01 12:00:00.123456', '2024-07-01 14:00:00.123456'], // summer time, +2
    ['Europe/Berlin', '2024-01-15 12:00:00.000000', '2024-01-15 13:00:00.000000'], // winter time, +1
    ['Europe/Berlin', '2024-03-31 00:59:59.999999', '2024-03-31 01:59:59.999999'], // just before the switch
    ['Europe/Berlin', '2024-03-31 01:00:00.000000', '2024-03-31 03:00:00.000000'], // 02:00 local never happens
    ['America/St_Johns', '2024-07-01 12:00:00.500000', '2024-07-01 09:30:00.500000'], // -2:30 in summer
    ['Pacific/Kiritimati', '2024-12-31 23:00:00.000001', '2025-01-01 13:00:00.000001'], // +14, across a year
    ['America/New_York', '2024-11-03 06:30:00.000000', '2024-11-03 01:30:00.000000'], // second 01:30 (EST)
  ])('%s at UTC %s is %s', (zone, utc, expected) => {
    expect(wallClockIn(zone, utc)).toBe(expected);
  });
});
