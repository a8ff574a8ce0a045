/**
 * Per-table extractor state: how far incremental copies got, backfill progress, the last run and totals.
 * It is saved with optimistic concurrency (create-if-absent, else replace-if-unchanged), so even without the
 * lease two writers could never silently overwrite each other's progress. The JSON is kept human-readable
 * (2-space indent, fixed key order) because operators inspect and, rarely, hand-edit it.
 */
import type { ObjectStore } from './store.js';

export interface KeyPosition {
  cursor: string | null;
  key: string[];
}

/**
 * One primary-key range of a backfill read over its own connection: keys in (after, through], in key order.
 * `lastKey` is the last key durably uploaded (null: nothing yet), `done` once the range is read to its end.
 */
export interface BackfillSlice {
  after: string[] | null;
  through: string[] | null;
  lastKey: string[] | null;
  done: boolean;
}

/**
 * Whose state this is: the pipeline and the MySQL table it copies. Two pipelines that share a bucket and prefix,
 * or a state file copied from elsewhere, are refused instead of adopted (state-check.ts).
 */
export interface StateIdentity {
  pipeline: string;
  source: { host: string; port: number; database: string; table: string };
}

/** A key snapshot being written (delete_detection): resumes behind `lastKey`, the last key durably uploaded. */
export interface KeySnapshotProgress {
  id: string;
  startedAt: string;
  /** the cursor upper bound when the snapshot started, in the cursor's encoding (MySQL's clock and zone) */
  startCursor: string | null;
  lastKey: string[] | null;
  rows: number;
  /** every key file durably uploaded, by name within the snapshot's folder: what the marker lists */
  files: { name: string; rows: number }[];
  compressedBytes: number;
}

/** The last key snapshot whose completion marker was written. */
export interface KeySnapshotDone {
  id: string;
  startedAt: string;
  finishedAt: string;
  startCursor: string | null;
  rows: number;
  files: number;
  compressedBytes: number;
}

export interface TableState {
  version: 1;
  table: string;
  /** null only in state written before identities were recorded; every save records it */
  identity: StateIdentity | null;
  /** last (cursor, key) fully uploaded; null before the first incremental run */
  watermark: KeyPosition | null;
  /**
   * Initial load / backfill progress in primary-key order; null when not backfilling. One connection advances
   * `lastKey`; a backfill split over several connections keeps each range's progress in `slices` instead.
   */
  backfill: {
    upperCursor: string | null;
    lastKey: string[] | null;
    startedAt: string;
    runId: string;
    slices: BackfillSlice[] | null;
  } | null;
  lastRun: {
    runId: string;
    startedAt: string;
    finishedAt: string;
    lowerBound: KeyPosition | null;
    upperBound: string | null;
    rows: number;
    files: number;
    bytes: number;
    manifest: string;
  } | null;
  totals: { runs: number; rows: number; files: number; bytes: number };
  /** the key snapshot in progress (delete_detection); absent (or null) when none, and then not written */
  keySnapshot?: KeySnapshotProgress | null;
  /** the last complete key snapshot; absent (or null) before the first, and then not written */
  lastKeySnapshot?: KeySnapshotDone | null;
}

/** The state file is missing pieces or has the wrong types; `path` names the offending field. */
export class InvalidStateError extends Error {
  override name = 'InvalidStateError';
}

export function emptyState(table: string): TableState {
  return {
    version: 1,
    table,
    identity: null,
    watermark: null,
    backfill: null,
    lastRun: null,
    totals: { runs: 0, rows: 0, files: 0, bytes: 0 },
  };
}

/**
 * The table's state and the ETag to save it against; a missing file is the empty state with no ETag.
 * `table` guards against a state file of another table (a mistyped prefix); when omitted it defaults to the
 * key's folder name, which is the table name under `TableModel.stateKeyPrefix` (".../_snowstage/<table>/").
 */
export async function loadState(
  store: ObjectStore,
  key: string,
  table?: string,
): Promise<{ state: TableState; etag: string | undefined }> {
  const expectedTable = table ?? folderName(key);
  const stored = await store.getText(key);
  if (stored === undefined) return { state: emptyState(expectedTable), etag: undefined };
  const where = `${store.description}/${key}`;
  const state = parseState(stored.body, where);
  if (table !== undefined && state.table !== table) {
    throw new InvalidStateError(`state ${where} belongs to table "${state.table}", not "${table}"`);
  }
  return { state, etag: stored.etag };
}

/**
 * Writes `state` if the stored file is still the version we loaded (`expectedEtag`), or absent when that is
 * undefined; otherwise PreconditionFailedError. Returns the new ETag for the next save.
 */
export async function saveState(
  store: ObjectStore,
  key: string,
  state: TableState,
  expectedEtag: string | undefined,
): Promise<string> {
  const where = `${store.description}/${key}`;
  let canonical: TableState;
  try {
    canonical = readState(state); // a bug must not write a file the next run cannot read
  } catch (error) {
    if (!(error instanceof ShapeError)) throw error;
    throw new InvalidStateError(`refusing to save invalid state to ${where}: ${error.message}`);
  }
  const body = `${JSON.stringify(canonical, null, 2)}\n`;
  const condition = expectedEtag === undefined ? { ifNoneMatch: '*' as const } : { ifMatch: expectedEtag };
  const { etag } = await store.putText(key, body, { ...condition, contentType: 'application/json' });
  return etag;
}

function folderName(key: string): string {
  const parts = key.split('/');
  return parts.length >= 2 ? (parts[parts.length - 2] ?? '') : '';
}

function parseState(body: string, where: string): TableState {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidStateError(`state ${where} is not valid JSON (${reason}); ${REPAIR_HINT}`);
  }
  try {
    return readState(value);
  } catch (error) {
    if (!(error instanceof ShapeError)) throw error;
    throw new InvalidStateError(`state ${where} is corrupt: ${error.message}; ${REPAIR_HINT}`);
  }
}

const REPAIR_HINT =
  'restore a previous version or fix it by hand (deleting it makes the next run start with a full initial load)';

// --- shape checks: each reader returns a fresh object in canonical key order -------------------------

class ShapeError extends Error {}

type Fields = Record<string, unknown>;

function readState(value: unknown): TableState {
  const fields = object(value, 'state');
  if (fields.version !== 1) {
    const newer = typeof fields.version === 'number' && fields.version > 1;
    throw new ShapeError(
      newer
        ? `version ${fields.version} was written by a newer snowstage; upgrade to read it`
        : `version must be 1, got ${JSON.stringify(fields.version)}`,
    );
  }
  const state: TableState = {
    version: 1,
    table: text(fields.table, 'table'),
    // absent in state written before identities were recorded
    identity: fields.identity === undefined ? null : nullable(fields.identity, 'identity', identity),
    watermark: nullable(fields.watermark, 'watermark', position),
    backfill: nullable(fields.backfill, 'backfill', backfill),
    lastRun: nullable(fields.lastRun, 'lastRun', lastRun),
    totals: totals(fields.totals, 'totals'),
  };
  // written only for tables with delete_detection, once they have one (state of other tables stays as it was)
  if (fields.keySnapshot !== undefined && fields.keySnapshot !== null) {
    state.keySnapshot = keyProgress(fields.keySnapshot, 'keySnapshot');
  }
  if (fields.lastKeySnapshot !== undefined && fields.lastKeySnapshot !== null) {
    state.lastKeySnapshot = keyDone(fields.lastKeySnapshot, 'lastKeySnapshot');
  }
  return state;
}

function identity(value: unknown, path: string): StateIdentity {
  const fields = object(value, path);
  const source = object(fields.source, `${path}.source`);
  const port = source.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port <= 0 || port > 65_535) {
    throw new ShapeError(`${path}.source.port must be a TCP port number, got ${describe(port)}`);
  }
  return {
    pipeline: text(fields.pipeline, `${path}.pipeline`),
    source: {
      host: text(source.host, `${path}.source.host`),
      port,
      database: text(source.database, `${path}.source.database`),
      table: text(source.table, `${path}.source.table`),
    },
  };
}

function position(value: unknown, path: string): KeyPosition {
  const fields = object(value, path);
  return { cursor: nullableText(fields.cursor, `${path}.cursor`), key: texts(fields.key, `${path}.key`) };
}

function backfill(value: unknown, path: string): NonNullable<TableState['backfill']> {
  const fields = object(value, path);
  return {
    upperCursor: nullableText(fields.upperCursor, `${path}.upperCursor`),
    lastKey: nullable(fields.lastKey, `${path}.lastKey`, texts),
    startedAt: instant(fields.startedAt, `${path}.startedAt`),
    runId: text(fields.runId, `${path}.runId`),
    // absent in state written before backfills could be split: one connection
    slices: fields.slices === undefined ? null : nullable(fields.slices, `${path}.slices`, sliceList),
  };
}

function sliceList(value: unknown, path: string): BackfillSlice[] {
  if (!Array.isArray(value)) throw new ShapeError(`${path} must be an array, got ${describe(value)}`);
  return value.map((item: unknown, index) => {
    const at = `${path}[${index}]`;
    const fields = object(item, at);
    if (typeof fields.done !== 'boolean') {
      throw new ShapeError(`${at}.done must be true or false, got ${describe(fields.done)}`);
    }
    return {
      after: nullable(fields.after, `${at}.after`, texts),
      through: nullable(fields.through, `${at}.through`, texts),
      lastKey: nullable(fields.lastKey, `${at}.lastKey`, texts),
      done: fields.done,
    };
  });
}

function lastRun(value: unknown, path: string): NonNullable<TableState['lastRun']> {
  const fields = object(value, path);
  return {
    runId: text(fields.runId, `${path}.runId`),
    startedAt: instant(fields.startedAt, `${path}.startedAt`),
    finishedAt: instant(fields.finishedAt, `${path}.finishedAt`),
    lowerBound: nullable(fields.lowerBound, `${path}.lowerBound`, position),
    upperBound: nullableText(fields.upperBound, `${path}.upperBound`),
    rows: count(fields.rows, `${path}.rows`),
    files: count(fields.files, `${path}.files`),
    bytes: count(fields.bytes, `${path}.bytes`),
    manifest: text(fields.manifest, `${path}.manifest`),
  };
}

function keyProgress(value: unknown, path: string): KeySnapshotProgress {
  const fields = object(value, path);
  return {
    id: text(fields.id, `${path}.id`),
    startedAt: instant(fields.startedAt, `${path}.startedAt`),
    startCursor: nullableText(fields.startCursor, `${path}.startCursor`),
    lastKey: nullable(fields.lastKey, `${path}.lastKey`, texts),
    rows: count(fields.rows, `${path}.rows`),
    files: keyFiles(fields.files, `${path}.files`),
    compressedBytes: count(fields.compressedBytes, `${path}.compressedBytes`),
  };
}

function keyFiles(value: unknown, path: string): { name: string; rows: number }[] {
  if (!Array.isArray(value)) throw new ShapeError(`${path} must be an array, got ${describe(value)}`);
  return value.map((item: unknown, index) => {
    const fields = object(item, `${path}[${index}]`);
    return {
      name: text(fields.name, `${path}[${index}].name`),
      rows: count(fields.rows, `${path}[${index}].rows`),
    };
  });
}

function keyDone(value: unknown, path: string): KeySnapshotDone {
  const fields = object(value, path);
  return {
    id: text(fields.id, `${path}.id`),
    startedAt: instant(fields.startedAt, `${path}.startedAt`),
    finishedAt: instant(fields.finishedAt, `${path}.finishedAt`),
    startCursor: nullableText(fields.startCursor, `${path}.startCursor`),
    rows: count(fields.rows, `${path}.rows`),
    files: count(fields.files, `${path}.files`),
    compressedBytes: count(fields.compressedBytes, `${path}.compressedBytes`),
  };
}

function totals(value: unknown, path: string): TableState['totals'] {
  const fields = object(value, path);
  return {
    runs: count(fields.runs, `${path}.runs`),
    rows: count(fields.rows, `${path}.rows`),
    files: count(fields.files, `${path}.files`),
    bytes: count(fields.bytes, `${path}.bytes`),
  };
}

function object(value: unknown, path: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ShapeError(`${path} must be an object, got ${describe(value)}`);
  }
  return value as Fields;
}

function text(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new ShapeError(`${path} must be a string, got ${describe(value)}`);
  return value;
}

/** An ISO 8601 UTC instant exactly as Date#toISOString writes it (so 2025-02-30 or a bare date is refused). */
function instant(value: unknown, path: string): string {
  const written = text(value, path);
  const parsed = new Date(written);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString() !== written) {
    throw new ShapeError(
      `${path} must be a UTC instant like 2025-03-01T12:00:00.000Z, got ${describe(value)}`,
    );
  }
  return written;
}

function nullableText(value: unknown, path: string): string | null {
  return value === null ? null : text(value, path);
}

function texts(value: unknown, path: string): string[] {
  if (!Array.isArray(value))
    throw new ShapeError(`${path} must be an array of strings, got ${describe(value)}`);
  return value.map((item: unknown, index) => text(item, `${path}[${index}]`));
}

function count(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new ShapeError(`${path} must be a non-negative integer, got ${describe(value)}`);
  }
  return value;
}

/** `null` is a value; a missing field (undefined) is an error like any other wrong type. */
function nullable<T>(value: unknown, path: string, read: (value: unknown, path: string) => T): T | null {
  if (value === null) return null;
  if (value === undefined) throw new ShapeError(`${path} is missing (use null for "none")`);
  return read(value, path);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing (missing)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}
