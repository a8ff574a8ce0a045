import { describe, expect, it } from 'vitest';
import { planSlices } from '../../src/extract/slices.js';

const ranges = (slices: ReturnType<typeof planSlices>) =>
  slices?.map((s) => [s.after?.[0] ?? null, s.through?.[0] ?? null]);

describe('planSlices', () => {
  it('splits the key range evenly; the first range has no lower end, the last no upper end', () => {
    expect(ranges(planSlices('1', '100', 2, 7))).toEqual([
      [null, '50'],
      ['50', null],
    ]);
    expect(ranges(planSlices('1', '100', 3, 7))).toEqual([
      [null, '34'],
      ['34', '67'],
      ['67', null],
    ]);
  });

  it('starts every range with no progress', () => {
    for (const slice of planSlices('1', '100', 2, 1) ?? []) {
      expect(slice).toMatchObject({ lastKey: null, done: false });
    }
  });

  it('is exact beyond 2^53 (BIGINT UNSIGNED) and with negative keys', () => {
    expect(ranges(planSlices('0', '18446744073709551615', 2, 1))).toEqual([
      [null, '9223372036854775807'],
      ['9223372036854775807', null],
    ]);
    expect(ranges(planSlices('-100', '100', 2, 1))).toEqual([
      [null, '0'],
      ['0', null],
    ]);
  });

  it('keeps one connection for an empty table, a single range, or too few keys per range', () => {
    expect(planSlices(null, null, 2, 1)).toBeNull();
    expect(planSlices('1', '100', 1, 1)).toBeNull();
    expect(planSlices('1', '100', 2, 50_000)).toBeNull();
    expect(planSlices('5', '5', 2, 1)).toBeNull();
  });
});
