/**
 * One extraction run of one table: lease → state → schema check → backfill or incremental window → files →
 * manifest → state. State advances only after the files it covers are uploaded; a crash anywhere leaves state
 * where it was (or at the last uploaded backfill file), and the rerun's duplicates are absorbed by the MERGE.
 */
import { cursorOf, type TableModel } from '../model/types.js';
import { futureRowsWarning } from './cursor-checks.js';
import { explainFailure } from './failure-side.js';
import type { FileRecord } from './file-sink.js';
import { keySnapshotDue, takeKeySnapshot } from './key-snapshot.js';
import { acquireLease, type Lease, LeaseHeldError } from './lease.js';
import { isTransientMysqlError, type MysqlSource } from './mysql-source.js';
import { leaseKey, newRunId, stateKey } from './naming.js';
import * as queries from './queries.js';
import { makeRowPlan } from './row-plan.js';
import {
  DEFAULT_STALE_LOCK_MS,
  type ExtractDeps,
  RunFailure,
  type RunStatus,
  type TableRunResult,
} from './run-types.js';
import { cursorWarning, keyProblem, type LiveColumn, liveCharsets, schemaProblems } from './schema-check.js';
import { snapshotRun } from './snapshot-run.js';
import { groupIndexes, type IndexColumnRow } from './source-indexes.js';
import { loadState } from './state.js';
import { futureProblems, identityOf, stateProblems } from './state-check.js';
import { TableRun } from './table-run.js';

export type { ExtractDeps, ExtractSettings, Progress, RunStatus, TableRunResult } from './run-types.js';

export async function extractTable(table: TableModel, deps: ExtractDeps): Promise<TableRunResult> {
  const started = deps.now();
  const leaseRunId = newRunId(started);
  const base = { table: table.name, runId: leaseRunId, started: started.getTime() };
  let lease: Lease;
  try {
    lease = await acquireLease(deps.stateStore, leaseKey(table), {
      owner: deps.settings.owner,
      runId: leaseRunId,
      ttlMs: deps.settings.leaseTtlMs,
      now: deps.now,
    });
  } catch (error) {
    if (error instanceof LeaseHeldError) return lockedResult(base, deps, error);
    return emptyResult(base, 'failed', deps, explainFailure(error, deps.sides));
  }
  const controller = new AbortController();
  const onAbort = () => controller.abort(deps.signal.reason);
  deps.signal.addEventListener('abort', onAbort, { once: true });
  const renewal = setInterval(
    () => {
      lease
        .renew()
        .catch((error: unknown) => controller.abort(new RunFailure(`lease lost: ${messageOf(error)}`)));
    },
    Math.max(1000, deps.settings.leaseTtlMs / 3),
  );
  renewal.unref();
  try {
    return await withRetries(table, { ...deps, signal: controller.signal }, lease, started.getTime());
  } finally {
    clearInterval(renewal);
    deps.signal.removeEventListener('abort', onAbort);
    await lease.release().catch(() => undefined);
  }
}

async function withRetries(
  table: TableModel,
  deps: ExtractDeps,
  lease: Lease,
  startedAt: number,
): Promise<TableRunResult> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  // Files uploaded by failed attempts are real: a failed run reports them, and its duration counts the retries.
  const uploaded: FileRecord[] = [];
  for (let attempt = 1; ; attempt++) {
    const runId = newRunId(deps.now());
    try {
      return await runOnce(table, deps, { lease, runId, uploaded });
    } catch (error) {
      const base = { table: table.name, runId, started: startedAt };
      if (deps.signal.aborted) {
        return partialResult(base, 'aborted', deps, messageOf(deps.signal.reason ?? error), uploaded);
      }
      if (attempt >= deps.settings.maxAttempts || !isTransientMysqlError(error)) {
        const retried = attempt > 1 ? ` (after ${attempt} attempts)` : '';
        return partialResult(
          base,
          'failed',
          deps,
          `${explainFailure(error, deps.sides)}${retried}`,
          uploaded,
        );
      }
      await sleep(1000 * 3 ** (attempt - 1));
    }
  }
}

async function runOnce(
  table: TableModel,
  deps: ExtractDeps,
  attempt: { lease: Lease; runId: string; uploaded: FileRecord[] },
): Promise<TableRunResult> {
  const { lease, runId, uploaded } = attempt;
  const key = stateKey(table);
  const where = `${deps.stateStore.description}/${key}`;
  const loaded = await loadState(deps.stateStore, key, table.name);
  const identity = identityOf(deps.pipeline.name, deps.pipeline.source, table);
  refuseState(where, stateProblems(loaded.state, table, identity));
  const source = await deps.connect();
  try {
    if (table.mode === 'incremental') refuseState(where, futureProblems(loaded.state, table, source.clock));
    const live = await source.query<LiveColumn>(
      queries.describeColumns(table).sql,
      queries.describeColumns(table).values,
    );
    const problems = schemaProblems(table, live);
    if (problems.length > 0) throw new RunFailure(problems.join('; '));
    const warnings = await checkIndexes(table, source, live);
    if (table.mode === 'snapshot') {
      const rowPlan = {
        serverFormatting: deps.settings.serverFormatting ?? true,
        charsets: liveCharsets(live),
      };
      const state = { ...loaded.state, identity };
      return await snapshotRun(table, deps, { lease, source, runId, rowPlan }, state, loaded.etag, warnings);
    }
    const future = await futureRowsWarning(table, source);
    if (future) warnings.push(future);
    if (table.nullCursor === 'fail') await failOnNullCursors(table, source);
    const rowPlan = {
      serverFormatting: deps.settings.serverFormatting ?? true,
      charsets: liveCharsets(live),
    };
    const plan = makeRowPlan(table, rowPlan);
    // every save records whose state this is (older files had no identity)
    const state = { ...loaded.state, identity };
    const identityRecorded = loaded.state.identity !== null;
    const attemptOf = { lease, source, plan, runId, uploaded, identityRecorded };
    const run = new TableRun(table, deps, attemptOf, state, loaded.etag);
    // A backfill in progress (first load, or one asked for with --backfill) runs to its end before increments.
    const backfilling =
      loaded.state.watermark === null || loaded.state.backfill !== null || deps.settings.backfill === true;
    let result = backfilling ? await run.backfill() : await run.incremental();
    const handle = run.stateHandle();
    if (keySnapshotDue(table, handle.state, deps.now(), deps.settings.keySnapshot === true)) {
      const keySnapshot = await takeKeySnapshot(table, deps, { lease, source, runId, rowPlan }, handle);
      result = { ...result, keySnapshot };
    }
    const all = [...warnings, ...(result.warnings ?? [])];
    return all.length > 0 ? { ...result, warnings: all } : result;
  } finally {
    await source.close();
  }
}

/** A key MySQL does not keep unique stops the table; a cursor without an index only warns (the run is slower). */
async function checkIndexes(
  table: TableModel,
  source: MysqlSource,
  live: readonly LiveColumn[],
): Promise<string[]> {
  const statement = queries.describeIndexes(table);
  const indexes = groupIndexes(await source.query<IndexColumnRow>(statement.sql, statement.values));
  // a keyless snapshot table has no key to check: it is read whole, never paged by key
  const problem = table.primaryKey.length > 0 ? keyProblem(table, live, indexes) : undefined;
  if (problem) throw new RunFailure(problem);
  const warning = cursorWarning(table, indexes);
  return warning ? [warning] : [];
}

/** State that would skip or misread data stops the table before anything is read. */
function refuseState(where: string, problems: readonly string[]): void {
  if (problems.length === 0) return;
  throw new RunFailure(
    `state ${where} cannot be used, nothing was read: ${problems.join('; ')}. Restore a previous version of the file or correct it; deleting it makes the next run start with a full initial load`,
  );
}

async function failOnNullCursors(table: TableModel, source: MysqlSource): Promise<void> {
  const statement = queries.countNullCursors(table);
  const [row] = await source.query<{ n: string | number }>(statement.sql, statement.values);
  const count = Number(row?.n ?? 0);
  if (count > 0) {
    throw new RunFailure(
      `${count} rows of ${table.sourceTable} have a NULL ${cursorOf(table).source} (null_policy: fail): fill the cursor in MySQL, or set cursor.null_policy: oldest in ${table.file}`,
    );
  }
}

/** Locked is normal for a moment (another run is busy); locked by a run that has gone on too long is not. */
function lockedResult(
  base: { table: string; runId: string; started: number },
  deps: ExtractDeps,
  held: LeaseHeldError,
): TableRunResult {
  const limit = deps.settings.staleLockMs ?? DEFAULT_STALE_LOCK_MS;
  const heldMs = deps.now().getTime() - Date.parse(held.acquiredAt);
  const message = `held by ${held.owner} since ${held.acquiredAt} until ${held.expiresAt}`;
  if (!(heldMs > limit)) return emptyResult(base, 'locked', deps, message);
  const minutes = Math.floor(heldMs / 60_000);
  return {
    ...emptyResult(
      base,
      'locked',
      deps,
      `${message}: that run has held the table for ${minutes} minutes (more than ${limit / 60_000}) and every run since found it locked; check that it is not stuck (--stale-lock-minutes sets the limit)`,
    ),
    lockedTooLong: true,
  };
}

function emptyResult(
  base: { table: string; runId: string; started: number },
  status: RunStatus,
  deps: ExtractDeps,
  message: string,
): TableRunResult {
  return {
    table: base.table,
    status,
    runId: base.runId,
    mode: 'none',
    rows: 0,
    files: 0,
    bytes: 0,
    compressedBytes: 0,
    window: { lower: null, upper: null },
    durationMs: deps.now().getTime() - base.started,
    message,
  };
}

/** A run that stopped: what it had uploaded by then (files it will not re-send once state records them). */
function partialResult(
  base: { table: string; runId: string; started: number },
  status: RunStatus,
  deps: ExtractDeps,
  message: string,
  uploaded: readonly FileRecord[],
): TableRunResult {
  return {
    ...emptyResult(base, status, deps, message),
    rows: uploaded.reduce((n, f) => n + f.rows, 0),
    files: uploaded.length,
    bytes: uploaded.reduce((n, f) => n + f.bytes, 0),
    compressedBytes: uploaded.reduce((n, f) => n + f.compressedBytes, 0),
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
