/**
 * One run of a `mode: snapshot` table (README, "Snapshot tables"): the whole table as one snapshot, taken with the
 * key snapshots' machinery (key-snapshot.ts, kind 'table'), then the run recorded in state for `status`.
 */
import type { TableModel } from '../model/types.js';
import { markerKey, takeKeySnapshot } from './key-snapshot.js';
import type { Lease } from './lease.js';
import type { MysqlSource } from './mysql-source.js';
import { stateKey } from './naming.js';
import type { RowPlanOptions } from './row-plan.js';
import type { ExtractDeps, TableRunResult } from './run-types.js';
import { saveState, type TableState } from './state.js';

/**
 * A mode: snapshot table: every run takes (or, keyed, resumes) one whole-table snapshot; no window, no watermark.
 * The result reports its files as the run's; state records the snapshot as with key snapshots.
 */
export async function snapshotRun(
  table: TableModel,
  deps: ExtractDeps,
  attempt: { lease: Lease; source: MysqlSource; runId: string; rowPlan: RowPlanOptions },
  state: TableState,
  etag: string | undefined,
  warnings: string[],
): Promise<TableRunResult> {
  const started = deps.now();
  let current = { state, etag };
  const handle = {
    get state() {
      return current.state;
    },
    save: async (next: TableState) => {
      current = { state: next, etag: await saveState(deps.stateStore, stateKey(table), next, current.etag) };
    },
  };
  const snapshot = await takeKeySnapshot(table, deps, attempt, handle, 'table');
  // the run's record, which status reads (its "manifest" is the snapshot's completion marker)
  const totals = current.state.totals;
  await handle.save({
    ...current.state,
    lastRun: {
      runId: attempt.runId,
      startedAt: started.toISOString(),
      finishedAt: deps.now().toISOString(),
      lowerBound: null,
      upperBound: null,
      rows: snapshot.rows,
      files: snapshot.files,
      bytes: 0,
      manifest: markerKey(table, snapshot.id, 'table'),
    },
    totals: {
      runs: totals.runs + 1,
      rows: totals.rows + snapshot.rows,
      files: totals.files + snapshot.files,
      bytes: totals.bytes,
    },
  });
  const result: TableRunResult = {
    table: table.name,
    status: 'ok',
    runId: attempt.runId,
    mode: 'snapshot',
    rows: snapshot.rows,
    files: snapshot.files,
    bytes: 0,
    compressedBytes: snapshot.compressedBytes,
    window: { lower: null, upper: null },
    durationMs: deps.now().getTime() - started.getTime(),
    keySnapshot: snapshot,
  };
  return warnings.length > 0 ? { ...result, warnings } : result;
}
