/** Key snapshots (delete_detection): when one is due, how its progress is kept in state, what its marker says. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keySnapshotDue, markerText } from '../../src/extract/key-snapshot.js';
import { LocalObjectStore } from '../../src/extract/local-store.js';
import {
  emptyState,
  InvalidStateError,
  type KeySnapshotProgress,
  loadState,
  saveState,
  type TableState,
} from '../../src/extract/state.js';
import type { TableModel } from '../../src/model/types.js';
import { loadTestModel } from '../support/pipeline.js';

async function ordersTable(): Promise<TableModel> {
  const model = await loadTestModel('test/golden/cases/delete-detection/metadata', {});
  const table = model.tables[0];
  if (!table) throw new Error('no table');
  return table;
}

const progress: KeySnapshotProgress = {
  id: '20261130T070000000Z-abcdef',
  startedAt: '2026-11-30T07:00:00.000Z',
  startCursor: '2026-11-30 08:00:00.000000',
  lastKey: ['acme', '42'],
  rows: 3,
  files: [{ name: '20261130T070000000Z-123456-000001.csv.gz', rows: 3 }],
  compressedBytes: 120,
};

function incremental(table: string): TableState {
  return { ...emptyState(table), watermark: { cursor: '2026-11-30 06:00:00.000000', key: ['acme', '1'] } };
}

describe('keySnapshotDue', () => {
  it('follows every_minutes, resumes a snapshot in progress, and never runs during a backfill', async () => {
    const table = await ordersTable();
    expect(table.deleteDetection).toEqual({ everyMinutes: 1440 });
    expect(table.keysKeyPrefix).toBe('mysql/shop/data/_keys/orders/');
    const now = new Date('2026-11-30T12:00:00.000Z');
    const state = incremental('orders');
    expect(keySnapshotDue(table, state, now)).toBe(true); // never taken
    const done = { ...progress, finishedAt: '2026-11-30T07:01:00.000Z', files: 1 };
    expect(keySnapshotDue(table, { ...state, lastKeySnapshot: done }, now)).toBe(false);
    expect(keySnapshotDue(table, { ...state, lastKeySnapshot: done }, now, true)).toBe(true);
    const dayLater = new Date('2026-12-01T07:00:00.000Z');
    expect(keySnapshotDue(table, { ...state, lastKeySnapshot: done }, dayLater)).toBe(true);
    expect(keySnapshotDue(table, { ...state, lastKeySnapshot: done, keySnapshot: progress }, now)).toBe(true);
    expect(keySnapshotDue(table, emptyState('orders'), now, true)).toBe(false); // no initial load yet
    const backfilling = {
      ...state,
      backfill: { upperCursor: null, lastKey: null, startedAt: now.toISOString(), runId: 'r', slices: null },
    };
    expect(keySnapshotDue(table, backfilling, now, true)).toBe(false);
    expect(keySnapshotDue({ ...table, deleteDetection: undefined }, state, now, true)).toBe(false);
  });
});

describe('key snapshot state', () => {
  it('round-trips progress and the last complete snapshot; state without them is written as before', async () => {
    const root = await mkdtemp(join(tmpdir(), 'snowstage-keys-'));
    try {
      const store = new LocalObjectStore(root);
      const { lastKey: _, ...rest } = progress;
      const done = { ...rest, finishedAt: '2026-11-30T07:01:00.000Z', files: 1 };
      const state = { ...incremental('orders'), keySnapshot: progress, lastKeySnapshot: done };
      await saveState(store, 'orders/state.json', state, undefined);
      expect((await loadState(store, 'orders/state.json', 'orders')).state).toEqual(state);
      await saveState(store, 'plain/state.json', { ...incremental('plain'), keySnapshot: null }, undefined);
      const text = (await store.getText('plain/state.json'))?.body ?? '';
      expect(text).not.toContain('keySnapshot');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('refuses a key snapshot whose file list is not a list of names and row counts', async () => {
    const root = await mkdtemp(join(tmpdir(), 'snowstage-keys-'));
    try {
      const store = new LocalObjectStore(root);
      const bad = { ...incremental('orders'), keySnapshot: { ...progress, files: 1 } };
      await store.putText('orders/state.json', JSON.stringify(bad));
      await expect(loadState(store, 'orders/state.json', 'orders')).rejects.toThrow(InvalidStateError);
      await expect(loadState(store, 'orders/state.json', 'orders')).rejects.toThrow(
        /keySnapshot\.files must be an array/,
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('markerText', () => {
  it('lists every key file with the snapshot id and start; an empty table still gets one row', () => {
    const two = {
      ...progress,
      files: [...progress.files, { name: '20261130T070500000Z-654321-000001.csv.gz', rows: 0 }],
    };
    expect(markerText(two)).toBe(
      '"SNAPSHOT_ID","START_CURSOR","KEY_FILE","KEY_FILE_ROWS"\n' +
        '"20261130T070000000Z-abcdef","2026-11-30 08:00:00.000000","20261130T070000000Z-123456-000001.csv.gz","3"\n' +
        '"20261130T070000000Z-abcdef","2026-11-30 08:00:00.000000","20261130T070500000Z-654321-000001.csv.gz","0"\n',
    );
    expect(markerText({ ...progress, files: [], startCursor: null })).toBe(
      '"SNAPSHOT_ID","START_CURSOR","KEY_FILE","KEY_FILE_ROWS"\n"20261130T070000000Z-abcdef",,,\n',
    );
  });
});
