/**
 * Key snapshots (delete_detection): every primary key of the table, read in key order in chunks, written as
 * gzip CSV under `<prefix>data/_keys/<table>/<snapshot id>/`, then a completion marker `complete.csv.gz` written
 * only after every key file is uploaded. Rows deleted in MySQL are the target's keys absent from the latest
 * complete snapshot whose version cursor is older than the snapshot's `START_CURSOR` (the generated
 * delete-detection SQL). Without the marker a snapshot deletes nothing.
 *
 * Resumable like the backfill: state records the snapshot in progress and the last key durably uploaded; a
 * crashed run's successor continues behind it. Key file names carry the run id of the attempt that wrote them, so
 * a file uploaded just before a crash (and not yet in state) is never overwritten by a different one of the same
 * name (which Snowpipe would not load again): both are loaded, and a key listed twice only prevents a delete.
 *
 * The same machinery takes the snapshots of a `mode: snapshot` table (`kind: 'table'`): every column, under the
 * table's own data folder (`<prefix>data/<table>/<snapshot id>/`), no START_CURSOR. A keyless table is read in one
 * pass with no resume point: a snapshot interrupted there is abandoned and the next run starts a new one (its
 * files are pruned in Snowflake once a newer snapshot is complete).
 */
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import type { TableModel } from '../model/types.js';
import { csvHeader, quoteField } from './encode.js';
import { type FileRecord, FileSink } from './file-sink.js';
import type { Lease } from './lease.js';
import type { MysqlSource } from './mysql-source.js';
import { newRunId } from './naming.js';
import * as queries from './queries.js';
import { makeRowPlan, type RowPlan, type RowPlanOptions } from './row-plan.js';
import type { ExtractDeps } from './run-types.js';
import type { KeySnapshotProgress, TableState } from './state.js';
import { PreconditionFailedError } from './store.js';
import { upperBound } from './window.js';

/**
 * Columns of the completion marker, one row per key file (one row with no file for an empty table). Snowpipe
 * loads files in no particular order: the delete-detection SQL applies a snapshot only once every file its marker
 * lists has been loaded.
 */
export const MARKER_HEADER = ['SNAPSHOT_ID', 'START_CURSOR', 'KEY_FILE', 'KEY_FILE_ROWS'] as const;

export interface KeySnapshotResult {
  readonly id: string;
  readonly complete: boolean;
  readonly rows: number;
  readonly files: number;
  readonly compressedBytes: number;
  readonly durationMs: number;
}

/** The table run's state and its conditional save, shared with the key snapshot that follows it. */
export interface StateHandle {
  readonly state: TableState;
  save(next: TableState): Promise<void>;
}

/**
 * True when a snapshot is in progress, asked for (`--key-snapshot`), or the last complete one started
 * `every_minutes` ago or more. Never during a backfill: the snapshot follows an incremental run.
 */
export function keySnapshotDue(table: TableModel, state: TableState, now: Date, asked = false): boolean {
  const every = table.deleteDetection?.everyMinutes;
  if (every === undefined || state.watermark === null || state.backfill !== null) return false;
  if (state.keySnapshot || asked) return true;
  const last = state.lastKeySnapshot;
  return !last || now.getTime() - Date.parse(last.startedAt) >= every * 60_000;
}

/** keys: the key snapshot of delete_detection; table: the whole-table snapshot of a mode: snapshot table. */
export type SnapshotKind = 'keys' | 'table';

function folderOf(table: TableModel, kind: SnapshotKind): string {
  return kind === 'keys' ? table.keysKeyPrefix : table.dataKeyPrefix;
}

export function keyFileKey(
  table: TableModel,
  snapshotId: string,
  runId: string,
  sequence: number,
  kind: SnapshotKind = 'keys',
): string {
  return `${folderOf(table, kind)}${snapshotId}/${runId}-${String(sequence).padStart(6, '0')}.csv.gz`;
}

export function markerKey(table: TableModel, snapshotId: string, kind: SnapshotKind = 'keys'): string {
  return `${folderOf(table, kind)}${snapshotId}/complete.csv.gz`;
}

/**
 * The table view a snapshot reads: keys only (the data files' encoding, so keys compare) or every column. The
 * row plan's position needs a cursor; a snapshot pages by key only, so the first key column stands in.
 */
function snapshotTable(table: TableModel, kind: SnapshotKind): TableModel {
  const columns = kind === 'keys' ? table.primaryKey : table.columns;
  return { ...table, columns, cursor: table.primaryKey[0] ?? table.cursor };
}

/**
 * Takes (or resumes) the table's key snapshot. Returns with `complete: true` once the marker is written and state
 * records it as the last complete snapshot.
 */
export async function takeKeySnapshot(
  table: TableModel,
  deps: ExtractDeps,
  attempt: { lease: Lease; source: MysqlSource; runId: string; rowPlan: RowPlanOptions },
  handle: StateHandle,
  kind: SnapshotKind = 'keys',
): Promise<KeySnapshotResult> {
  const started = deps.now();
  const keyless = table.primaryKey.length === 0;
  // a keyless snapshot has no resume point: an interrupted one is abandoned, a new one starts
  const resumable = keyless ? null : (handle.state.keySnapshot ?? null);
  const progress: KeySnapshotProgress = resumable ?? {
    id: newRunId(started),
    startedAt: started.toISOString(),
    // rows whose version is below this existed, committed, before the first key was read
    startCursor: kind === 'keys' ? await upperBound(table, attempt.source) : null,
    lastKey: null,
    rows: 0,
    files: [],
    compressedBytes: 0,
  };
  if (resumable === null) await handle.save({ ...handle.state, keySnapshot: progress });
  const read = snapshotTable(table, kind);
  const plan = makeRowPlan(read, attempt.rowPlan);
  let sequence = 0;
  const current = { ...progress, files: [...progress.files] };
  const sink = new FileSink(
    {
      store: deps.dataStore,
      header: plan.header,
      targetBytes: deps.settings.targetFileBytes,
      gzipLevel: deps.settings.gzipLevel,
      nextKey: () => keyFileKey(table, current.id, attempt.runId, ++sequence, kind),
      onFile: async (file: FileRecord) => {
        current.lastKey = keyless ? null : [...file.last.key];
        current.rows += file.rows;
        current.files.push({ name: file.key.slice(file.key.lastIndexOf('/') + 1), rows: file.rows });
        current.compressedBytes += file.compressedBytes;
        await attempt.lease.assertHeld();
        await handle.save({ ...handle.state, keySnapshot: { ...current, files: [...current.files] } });
      },
      signal: deps.signal,
    },
    plan.positionOf,
  );
  try {
    const write = (row: unknown[]) => sink.write(plan.encodeRow(row), row);
    await readRows(
      read,
      plan,
      { source: attempt.source, deps, after: keyless ? undefined : current.lastKey },
      write,
    );
    await sink.finish();
  } catch (error) {
    sink.abort(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
  await attempt.lease.assertHeld();
  await writeMarker(table, deps, current, kind);
  const finishedAt = deps.now();
  await handle.save({
    ...handle.state,
    keySnapshot: null,
    lastKeySnapshot: {
      id: current.id,
      startedAt: current.startedAt,
      finishedAt: finishedAt.toISOString(),
      startCursor: current.startCursor,
      rows: current.rows,
      files: current.files.length,
      compressedBytes: current.compressedBytes,
    },
  });
  return {
    id: current.id,
    complete: true,
    rows: current.rows,
    files: current.files.length,
    compressedBytes: current.compressedBytes,
    durationMs: finishedAt.getTime() - started.getTime(),
  };
}

/**
 * Every row of the snapshot's table view into `write`: keyless, one streamed pass (`after` undefined); keyed, in
 * key order in `--chunk-rows` chunks behind `after` (the last key durably uploaded, or null from the start).
 */
async function readRows(
  read: TableModel,
  plan: RowPlan,
  from: { source: MysqlSource; deps: ExtractDeps; after: readonly string[] | null | undefined },
  write: (row: unknown[]) => Promise<void> | undefined,
): Promise<void> {
  const { source, deps } = from;
  if (from.after === undefined) {
    const statement = queries.wholeTable(read, plan.selectList);
    await source.streamRows(statement.sql, statement.values, write, { raw: plan.wholeLine });
    return;
  }
  let after = from.after;
  for (;;) {
    deps.signal.throwIfAborted();
    const statement = queries.backfillChunk(read, plan.selectList, after, deps.settings.chunkRows);
    let last: unknown[] | undefined;
    const count = await source.streamRows(
      statement.sql,
      statement.values,
      (row) => {
        last = row;
        return write(row);
      },
      { raw: plan.wholeLine },
    );
    if (last) after = [...plan.positionOf(last).key];
    if (count < deps.settings.chunkRows) return;
  }
}

/**
 * Uploads are create-only: a marker already there was written by an attempt that crashed before saving state. It
 * lists files that all exist (state is saved before the marker), so it stands; keys read since then were inserted
 * after the snapshot started and are not needed.
 */
async function writeMarker(
  table: TableModel,
  deps: ExtractDeps,
  progress: KeySnapshotProgress,
  kind: SnapshotKind,
): Promise<void> {
  try {
    await deps.dataStore.upload(
      markerKey(table, progress.id, kind),
      Readable.from([gzipSync(markerText(progress))]),
      {
        contentType: 'text/csv',
        contentEncoding: 'gzip',
        signal: deps.signal,
      },
    );
  } catch (error) {
    if (!(error instanceof PreconditionFailedError)) throw error;
  }
}

/** The marker: gzip CSV (the data files' format), one row per key file, that the markers pipe loads. */
export function markerText(progress: KeySnapshotProgress): string {
  const files = progress.files.length > 0 ? progress.files : [null];
  const lines = files.map((file) =>
    [progress.id, progress.startCursor, file?.name ?? null, file ? String(file.rows) : null]
      .map((v) => (v === null ? '' : quoteField(v)))
      .join(','),
  );
  return `${csvHeader([...MARKER_HEADER])}${lines.map((line) => `${line}\n`).join('')}`;
}
