/**
 * The reads behind `status`: extractor state from the state store, then (given a session) the three Snowflake
 * queries per table. Each read is caught on its own and kept as data, so one missing privilege or corrupt file
 * shows next to everything that could be read.
 */
import { readLastAttempt } from '../extract/last-attempt.js';
import { readLease } from '../extract/lease.js';
import { leaseKey, stateKey } from '../extract/naming.js';
import { loadState } from '../extract/state.js';
import { identityOf, stateProblems } from '../extract/state-check.js';
import type { ObjectStore } from '../extract/store.js';
import type { PipelineModel, TableModel } from '../model/types.js';
import { failureOf } from '../snowflake/apply.js';
import { formatFailure } from '../snowflake/apply-report.js';
import type { SqlClient } from '../snowflake/client.js';
import {
  copyHistorySql,
  mergeLagSql,
  pipeStatusSql,
  readCopyRows,
  readMergeLag,
  readPipeStatus,
  readStream,
  readTaskRuns,
  readTaskState,
  streamSql,
  summarizeLoads,
  taskHistorySql,
  taskStateSql,
} from './snowflake-queries.js';
import type { Check, ExtractorStatus, LeaseStatus, SnowflakeTableStatus } from './types.js';

export async function readExtractorStatus(
  store: ObjectStore,
  model: PipelineModel,
  table: TableModel,
  now: Date,
): Promise<Check<ExtractorStatus>> {
  try {
    const { state } = await loadState(store, stateKey(table), table.name);
    // the same checks extract makes before reading (except the source clock, which status does not read)
    const problems = stateProblems(state, table, identityOf(model.name, model.source, table));
    if (problems.length > 0) {
      const where = `${store.description}/${stateKey(table)}`;
      return { ok: false, error: `state ${where} cannot be used: ${problems.join('; ')}` };
    }
    const lease = await readLeaseStatus(store, table, now);
    const lastAttempt = await readLastAttempt(store, table).then(
      (value) => ({ ok: true as const, value: value ?? null }),
      (error: unknown) => ({ ok: false as const, error: errorText(error) }),
    );
    const run = state.lastRun;
    return {
      ok: true,
      value: {
        watermark: state.watermark,
        lastRun:
          run === null
            ? null
            : {
                runId: run.runId,
                startedAt: run.startedAt,
                finishedAt: run.finishedAt,
                rows: run.rows,
                files: run.files,
                bytes: run.bytes,
              },
        backfill:
          state.backfill === null
            ? null
            : { runId: state.backfill.runId, startedAt: state.backfill.startedAt },
        totals: state.totals,
        lease,
        lastAttempt,
      },
    };
  } catch (error) {
    return { ok: false, error: errorText(error) };
  }
}

async function readLeaseStatus(
  store: ObjectStore,
  table: TableModel,
  now: Date,
): Promise<LeaseStatus | null> {
  const lease = await readLease(store, leaseKey(table), now);
  if (lease === undefined) return null;
  if ('corrupt' in lease) return { state: 'corrupt', error: lease.corrupt };
  const { owner, runId, acquiredAt, expiresAt } = lease.record;
  return {
    state: lease.expired ? 'expired' : 'held',
    owner,
    runId,
    acquiredAt,
    expiresAt,
    heldMinutes: Math.floor((now.getTime() - Date.parse(acquiredAt)) / 60_000),
  };
}

export async function readSnowflakeStatus(
  client: SqlClient,
  model: PipelineModel,
  table: TableModel,
  nowMs: number,
): Promise<SnowflakeTableStatus> {
  const pipe = await query(client, pipeStatusSql(table), readPipeStatus);
  const task = await query(client, taskStateSql(table), (rows) => readTaskState(rows, table.task.name));
  const lag = await query(client, mergeLagSql(table), readMergeLag);
  const stream = await query(client, streamSql(table), (rows) => readStream(rows, table.stream.name));
  const loads = await query(client, copyHistorySql(model, table), (rows) => ({
    ok: true as const,
    value: summarizeLoads(readCopyRows(rows), nowMs),
  }));
  const tasks = await query(client, taskHistorySql(model, table), (rows) => ({
    ok: true as const,
    value: readTaskRuns(rows),
  }));
  return { pipe, task, lag, stream, loads, tasks };
}

async function query<T>(
  client: SqlClient,
  sql: string,
  read: (rows: Record<string, unknown>[]) => Check<T>,
): Promise<Check<T>> {
  try {
    return read((await client.execute(sql)).rows);
  } catch (error) {
    return { ok: false, error: formatFailure(failureOf(error)) };
  }
}

/** Store errors (S3 SDK, file system) by name and message only. */
function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.name === 'Error' || error.name === 'InvalidStateError'
    ? error.message
    : `${error.name}: ${error.message}`;
}
