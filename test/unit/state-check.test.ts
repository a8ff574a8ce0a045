/** What makes extractor state unusable (src/extract/state-check.ts); the attacks on real state are in test/extract/security.test.ts. */
import { describe, expect, it } from 'vitest';
import { emptyState, type TableState } from '../../src/extract/state.js';
import { futureProblems, identityOf, stateProblems } from '../../src/extract/state-check.js';
import type { ColumnModel, Encoding, TableModel } from '../../src/model/types.js';

const col = (source: string, encoding: Encoding): ColumnModel => ({ source, encoding }) as ColumnModel;

function tableWith(cursor: Encoding, key: Encoding = 'integer'): TableModel {
  const table = {
    name: 't',
    sourceTable: 't_src',
    cursor: col('c', cursor),
    primaryKey: [col('id', key)],
  };
  return table as unknown as TableModel;
}

const source = { host: 'db', port: 3306, database: 'shop' };
const state = (patch: Partial<TableState>): TableState => ({ ...emptyState('t'), ...patch });
const problemsOf = (table: TableModel, patch: Partial<TableState>) =>
  stateProblems(state(patch), table, identityOf('p', source, table));
const clock = { localNow: '2026-06-01 12:00:00.000000', utcNow: '2026-06-01 10:00:00.000000' };

describe('stateProblems', () => {
  it('accepts exact values of each cursor type', () => {
    const cases: [Encoding, string][] = [
      ['datetime', '2024-02-29 23:59:59.999999'],
      ['timestamp_utc', '2024-02-29 23:59:59.000000 +00:00'],
      ['date', '2024-02-29'],
      ['integer', '-42'],
      ['decimal', '12.50'],
    ];
    for (const [encoding, cursor] of cases) {
      expect(problemsOf(tableWith(encoding), { watermark: { cursor, key: ['1'] } })).toEqual([]);
    }
  });

  it('refuses impossible or malformed cursors and keys', () => {
    const bad: [Encoding, string][] = [
      ['datetime', '2023-02-29 00:00:00.000000'],
      ['datetime', '2024-01-01 24:00:00.000000'],
      ['datetime', '2024-01-01'],
      ['timestamp_utc', '2024-01-01 00:00:00.000000'],
      ['date', '2024-13-01'],
      ['integer', '1e3'],
      ['decimal', '1.2.3'],
    ];
    for (const [encoding, cursor] of bad) {
      expect(problemsOf(tableWith(encoding), { watermark: { cursor, key: [] } })).toHaveLength(1);
    }
    expect(problemsOf(tableWith('integer'), { watermark: { cursor: '1', key: ['x'] } })[0]).toMatch(
      /watermark.key\[0\] "x" is not an integer/,
    );
    expect(problemsOf(tableWith('integer'), { watermark: { cursor: '1', key: ['1', '2'] } })[0]).toMatch(
      /has 2 values; the primary key has 1 columns/,
    );
  });

  it('refuses a slice whose progress lies outside its range, and slices on a key that is never split', () => {
    const backfill = {
      upperCursor: '5',
      lastKey: null,
      startedAt: '2026-01-01T00:00:00.000Z',
      runId: 'r',
      slices: [
        { after: null, through: ['100'], lastKey: ['150'], done: false },
        { after: ['100'], through: null, lastKey: null, done: false },
      ],
    };
    expect(problemsOf(tableWith('integer'), { backfill })).toEqual([
      'backfill.slices[0].lastKey lies outside its range (after, through]',
    ]);
    const textKey = tableWith('integer', 'text');
    expect(problemsOf(textKey, { backfill })[0]).toMatch(/only a single-column integer key/);
  });

  it('refuses another pipeline, and adopts state that has no identity yet', () => {
    const table = tableWith('integer');
    const recorded = identityOf('other', source, table);
    expect(stateProblems(state({ identity: recorded }), table, identityOf('p', source, table))[0]).toMatch(
      /belongs to pipeline "other", not "p"/,
    );
    expect(stateProblems(state({ identity: null }), table, identityOf('p', source, table))).toEqual([]);
  });
});

describe('futureProblems', () => {
  it('compares DATETIME and DATE cursors with the server zone, TIMESTAMP with UTC', () => {
    const at = (encoding: Encoding, cursor: string) =>
      futureProblems(state({ watermark: { cursor, key: [] } }), tableWith(encoding), clock);
    expect(at('datetime', '2026-06-01 11:59:59.000000')).toEqual([]);
    expect(at('datetime', '2026-06-01 12:00:00.000001')).toHaveLength(1);
    expect(at('timestamp_utc', '2026-06-01 10:00:00.000000 +00:00')).toEqual([]);
    expect(at('timestamp_utc', '2026-06-01 11:00:00.000000 +00:00')).toHaveLength(1);
    expect(at('date', '2026-06-01')).toEqual([]);
    expect(at('date', '2026-06-02')).toHaveLength(1);
  });

  it('does not compare numeric cursors (deleting the newest rows lowers the maximum)', () => {
    const table = tableWith('integer');
    expect(futureProblems(state({ watermark: { cursor: '999999', key: [] } }), table, clock)).toEqual([]);
  });
});
