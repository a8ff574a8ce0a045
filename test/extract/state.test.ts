import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalObjectStore } from '../../src/extract/local-store.js';
import { S3ObjectStore } from '../../src/extract/s3-store.js';
import {
  emptyState,
  InvalidStateError,
  loadState,
  saveState,
  type TableState,
} from '../../src/extract/state.js';
import { type ObjectStore, PreconditionFailedError } from '../../src/extract/store.js';
import { startTestS3 } from '../support/s3.js';

interface Backend {
  store: ObjectStore;
  close(): Promise<void>;
}

async function openS3(): Promise<Backend> {
  const s3 = await startTestS3();
  return { store: new S3ObjectStore(s3.client, s3.bucket), close: s3.close };
}

async function openLocal(): Promise<Backend> {
  const root = await mkdtemp(join(tmpdir(), 'snowstage-state-'));
  return { store: new LocalObjectStore(root), close: () => rm(root, { recursive: true, force: true }) };
}

const backends = [
  { name: 's3', open: openS3 },
  { name: 'local', open: openLocal },
] as const;

/** A state with every optional part filled in. */
function fullState(table: string): TableState {
  return {
    version: 1,
    table,
    identity: {
      pipeline: 'bookstore',
      source: { host: 'db.internal', port: 3306, database: 'shop', table },
    },
    watermark: { cursor: '2025-03-01 12:00:00.123456', key: ['42', 'b'] },
    backfill: {
      upperCursor: null,
      lastKey: null,
      startedAt: '2025-03-01T11:00:00.000Z',
      runId: 'run-1',
      slices: [
        { after: null, through: ['500'], lastKey: ['17'], done: false },
        { after: ['500'], through: null, lastKey: null, done: true },
      ],
    },
    lastRun: {
      runId: 'run-2',
      startedAt: '2025-03-01T12:00:00.000Z',
      finishedAt: '2025-03-01T12:00:05.000Z',
      lowerBound: { cursor: null, key: [] },
      upperBound: '2025-03-01 12:00:00.123456',
      rows: 1000,
      files: 2,
      bytes: 123_456,
      manifest: 'bookstore/_snowstage/books/manifests/run-2.json',
    },
    totals: { runs: 2, rows: 1500, files: 3, bytes: 200_000 },
  };
}

describe.each(backends)('table state on the $name store', ({ open }) => {
  let backend: Backend;
  let store: ObjectStore;
  beforeAll(async () => {
    backend = await open();
    store = backend.store;
  });
  afterAll(async () => {
    await backend?.close();
  });

  /** laid out like TableModel.stateKeyPrefix + "state.json" */
  const freshKey = (table = 'books'): string => `shop-${randomUUID()}/_snowstage/${table}/state.json`;

  it('starts empty, named after the key folder when no table is given', async () => {
    const key = freshKey('authors');
    expect(await loadState(store, key)).toEqual({ state: emptyState('authors'), etag: undefined });
    expect((await loadState(store, key, 'books')).state.table).toBe('books');
  });

  it('round-trips through readable JSON', async () => {
    const key = freshKey();
    const state = fullState('books');
    const etag = await saveState(store, key, state, undefined);
    expect(await loadState(store, key, 'books')).toEqual({ state, etag });

    const text = (await store.getText(key))?.body ?? '';
    expect(text).toBe(`${JSON.stringify(state, null, 2)}\n`);
    expect(text).toContain('\n  "watermark": {\n    "cursor"');
  });

  it('writes keys in a fixed order and drops unknown ones', async () => {
    const key = freshKey();
    const { totals, table, version, lastRun, backfill, watermark, identity } = fullState('books');
    const shuffled = { totals, table, extra: 'dropped', version, lastRun, identity, backfill, watermark };
    await saveState(store, key, shuffled as TableState, undefined);
    const text = (await store.getText(key))?.body ?? '';
    expect(Object.keys(JSON.parse(text))).toEqual([
      'version',
      'table',
      'identity',
      'watermark',
      'backfill',
      'lastRun',
      'totals',
    ]);
  });

  it('saves only over the version it loaded', async () => {
    const key = freshKey();
    const first = await saveState(store, key, emptyState('books'), undefined);
    // a second "first save" must not overwrite
    await expect(saveState(store, key, fullState('books'), undefined)).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );

    const { state, etag } = await loadState(store, key, 'books');
    expect(etag).toBe(first);
    const second = await saveState(store, key, { ...state, totals: { ...state.totals, runs: 1 } }, etag);
    // a writer still holding the first etag is stale
    await expect(saveState(store, key, fullState('books'), first)).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
    const reloaded = await loadState(store, key, 'books');
    expect(reloaded.etag).toBe(second);
    expect(reloaded.state.totals.runs).toBe(1);
  });

  it('refuses the state file of another table', async () => {
    const key = freshKey();
    await saveState(store, key, emptyState('authors'), undefined);
    await expect(loadState(store, key, 'books')).rejects.toThrow('belongs to table "authors", not "books"');
  });

  it.each([
    ['not JSON', '{"version": 1,', 'is not valid JSON'],
    ['not an object', '[]', 'state must be an object, got an array'],
    ['a newer version', '{"version": 2}', 'version 2 was written by a newer snowstage'],
    [
      'a missing field',
      JSON.stringify({ ...emptyState('books'), watermark: undefined }),
      'watermark is missing',
    ],
    [
      'a wrong element type',
      JSON.stringify({ ...fullState('books'), watermark: { cursor: null, key: ['1', 2] } }),
      'watermark.key[1] must be a string, got number 2',
    ],
    [
      'a slice without done',
      JSON.stringify({
        ...fullState('books'),
        backfill: { ...fullState('books').backfill, slices: [{ after: null, through: null, lastKey: null }] },
      }),
      'backfill.slices[0].done must be true or false, got nothing (missing)',
    ],
    [
      'a negative count',
      JSON.stringify({ ...emptyState('books'), totals: { runs: 0, rows: -1, files: 0, bytes: 0 } }),
      'totals.rows must be a non-negative integer',
    ],
  ])('explains a corrupt file: %s', async (_case, body, message) => {
    const key = freshKey();
    await store.putText(key, body);
    const loading = loadState(store, key, 'books');
    await expect(loading).rejects.toBeInstanceOf(InvalidStateError);
    await expect(loading).rejects.toThrow(message);
    await expect(loading).rejects.toThrow(`${store.description}/${key}`);
  });

  it('reads a backfill saved before backfills could be split as one connection', async () => {
    const key = freshKey();
    const { slices: _, ...older } = { ...fullState('books').backfill, lastKey: ['17'], slices: null };
    await store.putText(key, JSON.stringify({ ...fullState('books'), backfill: older }));
    const { state } = await loadState(store, key, 'books');
    expect(state.backfill).toEqual({ ...older, slices: null });
  });

  it('refuses to save an invalid state', async () => {
    const key = freshKey();
    const broken = { ...emptyState('books'), totals: { runs: 1.5, rows: 0, files: 0, bytes: 0 } };
    await expect(saveState(store, key, broken, undefined)).rejects.toThrow(
      `refusing to save invalid state to ${store.description}/${key}: totals.runs must be a non-negative integer`,
    );
    expect(await store.exists(key)).toBe(false);
  });
});
