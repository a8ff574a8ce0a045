/**
 * The reads behind `status`: extractor state from the state store, then (given a session) the Snowflake side,
 * batched per pipeline (readSnowflakeStatuses). Each read is caught on its own and kept as data, so one missing privilege or corrupt file
 * shows next to everything that could be read.
 */
import { readLastAttempt } from '../extract/last-attempt.js';
import { readLease } from '../extract/lease.js';
import { leaseKey, stateKey } from '../extract/naming.js';
import { loadState } from '../extract/state.js';
import { identityOf, stateProblems } from '../extract/state-check.js';
import type { ObjectStore } from '../extract/store.js';
import { hasPipe, type PipelineModel, type TableModel } from '../model/types.js';
import { failureOf } from '../snowflake/apply.js';
import { formatFailure } from '../snowflake/apply-report.js';
import type { SqlClient } from '../snowflake/client.js';
import {
  copyHistoryBatchSql,
  copyHistorySql,
  mergeLagBatchSql,
  mergeLagSql,
  pipeStatusBatchSql,
  pipeStatusSql,
  readCopyRows,
  readMergeLag,
  readPipeStatus,
  readStream,
  readTaskRuns,
  readTaskState,
  rowsByTable,
  streamSql,
  streamsInSchemaSql,
  summarizeLoads,
  taskHistoryBatchSql,
  taskHistorySql,
  taskStateSql,
  tasksInSchemaSql,
} from './snowflake-queries.js';
import type {
  Check,
  ExtractorStatus,
  LeaseStatus,
  LoadHistory,
  MergeLag,
  PipeStatus,
  SnowflakeTableStatus,
  StreamStatus,
  TaskRun,
  TaskState,
} from './types.js';

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

/**
 * Every table's Snowflake side in a handful of statements run at once: pipe status, copy history, task history and
 * merge lag one batched statement each for the whole pipeline, SHOW STREAMS and SHOW TASKS one per schema. A batch
 * that fails is asked again table by table (FALLBACK_CONCURRENCY at once), so each error shows on its own table and
 * the other tables keep their readings.
 */
export async function readSnowflakeStatuses(
  client: SqlClient,
  model: PipelineModel,
  tables: readonly TableModel[],
  nowMs: number,
): Promise<SnowflakeTableStatus[]> {
  const loadsOf = (rows: Record<string, unknown>[]) => ({
    ok: true as const,
    value: summarizeLoads(readCopyRows(rows), nowMs),
  });
  const tasksOf = (rows: Record<string, unknown>[]) => ({ ok: true as const, value: readTaskRuns(rows) });
  const piped = tables.filter(hasPipe);
  // a snapshot table (mode: snapshot) has no stream
  const streamed = tables.filter((t) => t.mode === 'incremental');
  const [pipes, streamChecks, loads, tasks, taskStates, lags] = await Promise.all([
    batched(client, piped, pipeStatusBatchSql(piped), pipeStatusSql, readPipeStatus),
    perSchema(client, streamed, {
      objectOf: (t) => t.stream,
      all: streamsInSchemaSql,
      one: streamSql,
      read: (rows, t) => readStream(rows, t.stream.name),
    }),
    batched(client, tables, copyHistoryBatchSql(model, tables), (t) => copyHistorySql(model, t), loadsOf),
    batched(client, tables, taskHistoryBatchSql(model, tables), (t) => taskHistorySql(model, t), tasksOf),
    perSchema(client, tables, {
      objectOf: (t) => t.task,
      all: tasksInSchemaSql,
      one: taskStateSql,
      read: (rows, t) => readTaskState(rows, t.task.name),
    }),
    // a snapshot table's merge lag query reads no stream (0 rows waiting): only its last apply
    batched(client, tables, mergeLagBatchSql(tables), mergeLagSql, readMergeLag),
  ]);
  const streamOf = new Map(streamed.map((t, i) => [t, streamChecks[i] as Check<StreamStatus>]));
  const streams = tables.map((t) => streamOf.get(t) ?? NO_STREAM);
  const pipeOf = new Map(piped.map((t, i) => [t, pipes[i] as Check<PipeStatus>]));
  return tables.map((t, i) => ({
    pipe: pipeOf.get(t) ?? null,
    task: taskStates[i] as Check<TaskState>,
    lag: lags[i] as Check<MergeLag>,
    stream: streams[i] as Check<StreamStatus>,
    loads: loads[i] as Check<LoadHistory>,
    tasks: tasks[i] as Check<TaskRun[]>,
  }));
}

/** per-table statements in flight at once after a batch failed */
export const FALLBACK_CONCURRENCY = 8;

async function batched<T>(
  client: SqlClient,
  tables: readonly TableModel[],
  batchSql: string,
  singleSql: (table: TableModel) => string,
  read: (rows: Record<string, unknown>[]) => Check<T>,
): Promise<Check<T>[]> {
  if (tables.length === 0) return [];
  try {
    const grouped = rowsByTable((await client.execute(batchSql)).rows);
    return tables.map((t) => read(grouped.get(t.name) ?? []));
  } catch {
    return mapConcurrently(tables, FALLBACK_CONCURRENCY, (t) => query(client, singleSql(t), read));
  }
}

/**
 * A snapshot table (mode: snapshot) has no stream, so nothing waits in one: never stale, no lag, only its last
 * apply (how far the landing table is ahead of the target is not measured).
 */
const NO_STREAM: Check<StreamStatus> = { ok: true, value: { stale: false, staleAfter: null } };

/** A SHOW command that lists one kind of object: once per schema, per table (SHOW … LIKE) when that fails. */
interface ShowPerSchema<T> {
  readonly objectOf: (table: TableModel) => { readonly database: string; readonly schema: string };
  readonly all: (database: string, schema: string) => string;
  readonly one: (table: TableModel) => string;
  readonly read: (rows: Record<string, unknown>[], table: TableModel) => Check<T>;
}

async function perSchema<T>(
  client: SqlClient,
  tables: readonly TableModel[],
  show: ShowPerSchema<T>,
): Promise<Check<T>[]> {
  const schemaOf = (t: TableModel) => JSON.stringify([show.objectOf(t).database, show.objectOf(t).schema]);
  const schemas = [...new Set(tables.map(schemaOf))];
  const readings = await Promise.all(
    schemas.map(async (key) => {
      const group = tables.filter((t) => schemaOf(t) === key);
      const { database, schema } = show.objectOf(group[0] as TableModel);
      try {
        const { rows } = await client.execute(show.all(database, schema));
        return group.map((t) => [t.name, show.read(rows, t)] as const);
      } catch {
        const one = (t: TableModel) => query(client, show.one(t), (rows) => show.read(rows, t));
        const checks = await mapConcurrently(group, FALLBACK_CONCURRENCY, one);
        return group.map((t, i) => [t.name, checks[i] as Check<T>] as const);
      }
    }),
  );
  const byTable = new Map(readings.flat());
  return tables.map((t) => byTable.get(t.name) as Check<T>);
}

/** `work` over every item, at most `limit` at once; results in the items' order. */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await work(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
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
