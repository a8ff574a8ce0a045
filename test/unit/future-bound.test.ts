/** Where "in the future" starts for each cursor type (src/extract/window.ts futureBound); real rows: test/extract/cursor-checks.test.ts. */
import { describe, expect, it } from 'vitest';
import { futureBound } from '../../src/extract/window.js';
import type { TableModel } from '../../src/model/types.js';

const clock = { localNow: '2024-07-01 14:00:00.000000', utcNow: '2024-07-01 12:00:00.000000' };

const table = (encoding: string, changes: Partial<TableModel> = {}): TableModel =>
  ({ cursor: { encoding }, commitLagSeconds: 0, ...changes }) as unknown as TableModel;

describe('futureBound', () => {
  it('is now in the cursor zone plus the commit lag, at least 60 seconds', () => {
    expect(futureBound(table('datetime'), clock)).toBe('2024-07-01 14:01:00.000000');
    expect(futureBound(table('datetime', { commitLagSeconds: 300 }), clock)).toBe(
      '2024-07-01 14:05:00.000000',
    );
    expect(futureBound(table('datetime', { cursorTimeZone: 'America/St_Johns' }), clock)).toBe(
      '2024-07-01 09:31:00.000000',
    );
    expect(futureBound(table('timestamp_utc'), clock)).toBe('2024-07-01 12:01:00.000000 +00:00');
  });

  it('is today for a DATE cursor (in the server zone, plus the slack), and none for a numeric cursor', () => {
    expect(futureBound(table('date'), clock)).toBe('2024-07-01');
    expect(futureBound(table('date'), { ...clock, localNow: '2024-07-01 23:59:30.000000' })).toBe(
      '2024-07-02',
    );
    expect(futureBound(table('integer'), clock)).toBeNull();
    expect(futureBound(table('decimal'), clock)).toBeNull();
  });
});
