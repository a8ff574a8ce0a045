/**
 * The Snowflake side of `status`: its queries and pure readers for their rows. Names are quoted by
 * src/sql/quote.ts like in the generated monitoring views; timestamps are selected as epoch milliseconds
 * (DATE_PART), so no driver date conversion or session time zone is involved.
 *
 * Each kind of reading is one statement for the whole pipeline (`…BatchSql`): a UNION ALL of the per-table
 * function calls, each branch labelled with the table in SNOWSTAGE_TABLE (as the generated monitoring views
 * do), and SHOW STREAMS and SHOW TASKS once per schema. The per-table statements remain for when a batch fails: one missing
 * pipe or privilege fails the whole statement, and asking table by table puts each error on its own table.
 * Syntax: SELECT with UNION ALL https://docs.snowflake.com/en/sql-reference/operators-query, QUALIFY (after
 * WHERE, before ORDER BY) https://docs.snowflake.com/en/sql-reference/constructs/qualify, SHOW STREAMS
 * https://docs.snowflake.com/en/sql-reference/sql/show-streams, SHOW TASKS
 * https://docs.snowflake.com/en/sql-reference/sql/show-tasks, and the function pages named below.
 */
import { META } from '../model/names.js';
import type { PipelineModel, TableModel } from '../model/types.js';
import { cell } from '../snowflake/describe.js';
import { identifier, literal, qualified, qualifiedNameLiteral, qualifiedSchema } from '../sql/quote.js';
import type {
  Check,
  LoadCounts,
  LoadHistory,
  MergeLag,
  PipeStatus,
  StreamStatus,
  TaskRun,
  TaskState,
} from './types.js';

export const HOUR_MS = 3_600_000;
/** COPY_HISTORY and TASK_HISTORY are read for the last day; the last hour is a subset computed locally */
export const HISTORY_HOURS = 24;
export const TASK_RUNS_SHOWN = 5;

export function pipeStatusSql(table: TableModel): string {
  return `SELECT SYSTEM$PIPE_STATUS(${qualifiedNameLiteral(table.pipe)}) AS PIPE_STATUS`;
}

/** SHOW STREAMS takes a LIKE pattern, so the reader keeps only the row whose name is exactly the stream's. */
export function streamSql(table: TableModel): string {
  const { database, schema, name } = table.stream;
  return `SHOW STREAMS LIKE ${literal(name)} IN SCHEMA ${qualifiedSchema(database, schema)}`;
}

/** Every stream of one schema (SHOW STREAMS lists up to 10,000); readStream picks each table's by name. */
export function streamsInSchemaSql(database: string, schema: string): string {
  return `SHOW STREAMS IN SCHEMA ${qualifiedSchema(database, schema)}`;
}

/** The column naming the pipeline's table in every batched statement (no system function returns it). */
export const TABLE_COLUMN = 'SNOWSTAGE_TABLE';

/** https://docs.snowflake.com/en/sql-reference/functions/system_pipe_status, one branch per table. */
export function pipeStatusBatchSql(tables: readonly TableModel[]): string {
  return tables
    .map(
      (t) =>
        `SELECT ${literal(t.name)} AS ${TABLE_COLUMN}, SYSTEM$PIPE_STATUS(${qualifiedNameLiteral(t.pipe)}) AS PIPE_STATUS`,
    )
    .join('\nUNION ALL\n');
}

/** https://docs.snowflake.com/en/sql-reference/functions/copy_history (TABLE_NAME is required: one call per table). */
export function copyHistoryBatchSql(model: PipelineModel, tables: readonly TableModel[]): string {
  const branches = tables.map((t) =>
    [
      `SELECT ${literal(t.name)} AS ${TABLE_COLUMN}, FILE_NAME, STATUS, ROW_COUNT, ERROR_COUNT, FIRST_ERROR_MESSAGE,`,
      '  DATE_PART(EPOCH_MILLISECOND, LAST_LOAD_TIME) AS LOADED_AT_MS',
      `FROM TABLE(${identifier(model.snowflake.database)}.INFORMATION_SCHEMA.COPY_HISTORY(`,
      `  TABLE_NAME => ${qualifiedNameLiteral(t.rawTable)},`,
      `  START_TIME => DATEADD(HOUR, -${HISTORY_HOURS}, CURRENT_TIMESTAMP())`,
      '))',
    ].join('\n'),
  );
  return [branches.join('\nUNION ALL\n'), `ORDER BY ${TABLE_COLUMN}, LOADED_AT_MS DESC NULLS FIRST`].join(
    '\n',
  );
}

/**
 * https://docs.snowflake.com/en/sql-reference/functions/task_history, one call per task (RESULT_LIMIT counts
 * rows before WHERE, so one call over the whole database could crowd a quiet task out); the latest
 * TASK_RUNS_SHOWN runs of each.
 */
export function taskHistoryBatchSql(model: PipelineModel, tables: readonly TableModel[]): string {
  const branches = tables.map((t) =>
    [
      `SELECT ${literal(t.name)} AS ${TABLE_COLUMN}, STATE, ERROR_CODE, ERROR_MESSAGE,`,
      '  DATE_PART(EPOCH_MILLISECOND, SCHEDULED_TIME) AS SCHEDULED_AT_MS,',
      '  DATE_PART(EPOCH_MILLISECOND, COMPLETED_TIME) AS COMPLETED_AT_MS',
      `FROM TABLE(${identifier(model.snowflake.database)}.INFORMATION_SCHEMA.TASK_HISTORY(`,
      `  TASK_NAME => ${literal(t.task.name)},`,
      `  SCHEDULED_TIME_RANGE_START => DATEADD(HOUR, -${HISTORY_HOURS}, CURRENT_TIMESTAMP()),`,
      '  RESULT_LIMIT => 1000',
      '))',
      `WHERE DATABASE_NAME = ${literal(t.task.database)} AND SCHEMA_NAME = ${literal(t.task.schema)}`,
      '  AND QUERY_ID IS NOT NULL',
    ].join('\n'),
  );
  return [
    `SELECT * FROM (\n${branches.join('\nUNION ALL\n')}\n)`,
    `QUALIFY ROW_NUMBER() OVER (PARTITION BY ${TABLE_COLUMN} ORDER BY SCHEDULED_AT_MS DESC) <= ${TASK_RUNS_SHOWN}`,
    `ORDER BY ${TABLE_COLUMN}, SCHEDULED_AT_MS DESC`,
  ].join('\n');
}

/** Rows of a batched statement by the table their SNOWSTAGE_TABLE names, in the statement's order. */
export function rowsByTable(
  rows: readonly Record<string, unknown>[],
): Map<string, Record<string, unknown>[]> {
  const grouped = new Map<string, Record<string, unknown>[]>();
  for (const row of rows) {
    const name = cell(row, TABLE_COLUMN) ?? '';
    const list = grouped.get(name) ?? [];
    list.push(row);
    grouped.set(name, list);
  }
  return grouped;
}

export function readStream(rows: readonly Record<string, unknown>[], name: string): Check<StreamStatus> {
  const row = rows.find((r) => cell(r, 'name') === name);
  if (row === undefined) return { ok: false, error: `SHOW STREAMS has no stream named ${name}` };
  const staleAfter = row.stale_after ?? row.STALE_AFTER;
  return {
    ok: true,
    value: {
      stale: (cell(row, 'stale') ?? '').toLowerCase() === 'true',
      staleAfter: timestampText(staleAfter),
    },
  };
}

/** A timestamp cell as text: the driver may hand over a Date, an object with toJSON, or text. */
function timestampText(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  if (value instanceof Date) return value.toISOString();
  const json = (value as { toJSON?: () => unknown }).toJSON;
  if (typeof value === 'object' && typeof json === 'function') return String(json.call(value));
  return String(value);
}

/** SHOW TASKS takes a LIKE pattern too: the reader keeps the row whose name is exactly the task's. */
export function taskStateSql(table: TableModel): string {
  const { database, schema, name } = table.task;
  return `SHOW TASKS LIKE ${literal(name)} IN SCHEMA ${qualifiedSchema(database, schema)}`;
}

/** Every task of one schema (SHOW TASKS lists up to 10,000); readTaskState picks each table's by name. */
export function tasksInSchemaSql(database: string, schema: string): string {
  return `SHOW TASKS IN SCHEMA ${qualifiedSchema(database, schema)}`;
}

export function readTaskState(rows: readonly Record<string, unknown>[], name: string): Check<TaskState> {
  const row = rows.find((r) => cell(r, 'name') === name);
  if (row === undefined) return { ok: false, error: `SHOW TASKS has no task named ${name}` };
  return { ok: true, value: { name, state: (cell(row, 'state') ?? 'unknown').toLowerCase() } };
}

/**
 * Rows loaded but not merged are what the stream holds (a SELECT does not consume it), so the oldest of them says
 * how long the MERGE has not kept up; a quiet table has an empty stream and no lag, however old its last merge.
 * The same condition as the generated alert SNOWSTAGE_ALERT_MERGE_LAG.
 */
export function mergeLagSql(table: TableModel): string {
  // a snapshot table has no stream: only its last apply is read (readSnapshotLag)
  const waiting =
    table.mode === 'snapshot'
      ? 'SELECT 0 AS WAITING, NULL AS OLDEST'
      : `SELECT COUNT(*) AS WAITING, MIN(${identifier(META.loadedAt)}) AS OLDEST FROM ${qualified(table.stream)}`;
  return [
    'SELECT w.WAITING, DATE_PART(EPOCH_MILLISECOND, w.OLDEST) AS OLDEST_MS,',
    '  DATE_PART(EPOCH_MILLISECOND, m.LAST_MERGE) AS LAST_MERGE_MS',
    `FROM (${waiting}) w,`,
    `  (SELECT MAX(${identifier(META.mergedAt)}) AS LAST_MERGE FROM ${qualified(table.targetTable)}) m`,
  ].join('\n');
}

/** mergeLagSql for every table, one UNION ALL branch each, labelled like the other batches. */
export function mergeLagBatchSql(tables: readonly TableModel[]): string {
  return tables
    .map((t) => mergeLagSql(t).replace(/^SELECT /, `SELECT ${literal(t.name)} AS ${TABLE_COLUMN}, `))
    .join('\nUNION ALL\n');
}

export function readMergeLag(rows: readonly Record<string, unknown>[]): Check<MergeLag> {
  const row = rows[0];
  if (row === undefined) return { ok: false, error: 'the merge lag query returned no row' };
  return {
    ok: true,
    value: {
      waitingRows: numberOrNull(row.WAITING) ?? 0,
      oldestWaitingAt: isoOrNull(numberOrNull(row.OLDEST_MS)),
      lastMergeAt: isoOrNull(numberOrNull(row.LAST_MERGE_MS)),
    },
  };
}

export function copyHistorySql(model: PipelineModel, table: TableModel): string {
  return [
    'SELECT FILE_NAME, STATUS, ROW_COUNT, ERROR_COUNT, FIRST_ERROR_MESSAGE,',
    '  DATE_PART(EPOCH_MILLISECOND, LAST_LOAD_TIME) AS LOADED_AT_MS',
    `FROM TABLE(${identifier(model.snowflake.database)}.INFORMATION_SCHEMA.COPY_HISTORY(`,
    `  TABLE_NAME => ${qualifiedNameLiteral(table.rawTable)},`,
    `  START_TIME => DATEADD(HOUR, -${HISTORY_HOURS}, CURRENT_TIMESTAMP())`,
    '))',
    'ORDER BY LAST_LOAD_TIME DESC NULLS FIRST',
  ].join('\n');
}

/** RESULT_LIMIT applies before WHERE (reference §9), so it is generous; runs that never started are left out. */
export function taskHistorySql(model: PipelineModel, table: TableModel): string {
  return [
    'SELECT STATE, ERROR_CODE, ERROR_MESSAGE,',
    '  DATE_PART(EPOCH_MILLISECOND, SCHEDULED_TIME) AS SCHEDULED_AT_MS,',
    '  DATE_PART(EPOCH_MILLISECOND, COMPLETED_TIME) AS COMPLETED_AT_MS',
    `FROM TABLE(${identifier(model.snowflake.database)}.INFORMATION_SCHEMA.TASK_HISTORY(`,
    `  TASK_NAME => ${literal(table.task.name)},`,
    `  SCHEDULED_TIME_RANGE_START => DATEADD(HOUR, -${HISTORY_HOURS}, CURRENT_TIMESTAMP()),`,
    '  RESULT_LIMIT => 1000',
    '))',
    `WHERE DATABASE_NAME = ${literal(table.task.database)} AND SCHEMA_NAME = ${literal(table.task.schema)}`,
    '  AND QUERY_ID IS NOT NULL',
    'ORDER BY SCHEDULED_TIME DESC',
    `LIMIT ${TASK_RUNS_SHOWN}`,
  ].join('\n');
}

/** SYSTEM$PIPE_STATUS returns one JSON string; fields other than executionState may be absent. */
export function readPipeStatus(rows: readonly Record<string, unknown>[]): Check<PipeStatus> {
  const text = rows[0] === undefined ? undefined : cell(rows[0], 'PIPE_STATUS');
  if (text === undefined) return { ok: false, error: 'SYSTEM$PIPE_STATUS returned nothing' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, error: `SYSTEM$PIPE_STATUS returned text that is not JSON: ${text.slice(0, 200)}` };
  }
  if (typeof parsed !== 'object' || parsed === null) {
    return { ok: false, error: 'SYSTEM$PIPE_STATUS returned JSON that is not an object' };
  }
  const fields = parsed as Record<string, unknown>;
  const executionState = stringOrNull(fields.executionState);
  if (executionState === null) return { ok: false, error: 'SYSTEM$PIPE_STATUS has no executionState' };
  return {
    ok: true,
    value: {
      executionState,
      pendingFileCount: numberOrNull(fields.pendingFileCount) ?? 0,
      lastIngestedTimestamp: stringOrNull(fields.lastIngestedTimestamp),
      oldestPendingFilePath: stringOrNull(fields.oldestPendingFilePath),
      error: stringOrNull(fields.error),
    },
  };
}

export interface CopyRow {
  readonly file: string;
  readonly status: string;
  readonly rowCount: number;
  readonly firstError: string | null;
  /** null while a load is in progress */
  readonly loadedAtMs: number | null;
}

export function readCopyRows(rows: readonly Record<string, unknown>[]): CopyRow[] {
  return rows.map((row) => ({
    file: cell(row, 'FILE_NAME') ?? '',
    status: cell(row, 'STATUS') ?? '',
    rowCount: numberOrNull(row.ROW_COUNT) ?? 0,
    firstError: cell(row, 'FIRST_ERROR_MESSAGE') ?? null,
    loadedAtMs: numberOrNull(row.LOADED_AT_MS),
  }));
}

type LoadOutcome = 'loaded' | 'failed' | 'inProgress' | 'other';

/** COPY_HISTORY STATUS values (reference §9), compared case-insensitively. */
function outcomeOf(status: string): LoadOutcome {
  switch (status.toLowerCase()) {
    case 'loaded':
      return 'loaded';
    case 'load failed':
    case 'partially loaded':
    case 'load skipped':
      return 'failed';
    case 'load in progress':
      return 'inProgress';
    default:
      return 'other';
  }
}

/** Counts for the last hour and the last day; rows are latest first, as `copyHistorySql` orders them. */
export function summarizeLoads(rows: readonly CopyRow[], nowMs: number): LoadHistory {
  const hourAgo = nowMs - HOUR_MS;
  const lastHour = rows.filter((r) => r.loadedAtMs === null || r.loadedAtMs >= hourAgo);
  const latest = rows.find((r) => outcomeOf(r.status) === 'failed');
  return {
    lastHour: countLoads(lastHour),
    lastDay: countLoads(rows),
    latestError:
      latest === undefined
        ? null
        : {
            file: latest.file,
            status: latest.status,
            message: latest.firstError ?? latest.status,
            at: isoOrNull(latest.loadedAtMs),
          },
  };
}

function countLoads(rows: readonly CopyRow[]): LoadCounts {
  const of = (outcome: LoadOutcome) => rows.filter((r) => outcomeOf(r.status) === outcome);
  return {
    files: rows.length,
    loaded: of('loaded').length,
    failed: of('failed').length,
    inProgress: of('inProgress').length,
    rowsLoaded: of('loaded').reduce((sum, r) => sum + r.rowCount, 0),
  };
}

export function readTaskRuns(rows: readonly Record<string, unknown>[]): TaskRun[] {
  return rows.map((row) => ({
    state: cell(row, 'STATE') ?? 'UNKNOWN',
    scheduledAt: isoOrNull(numberOrNull(row.SCHEDULED_AT_MS)),
    completedAt: isoOrNull(numberOrNull(row.COMPLETED_AT_MS)),
    errorCode: cell(row, 'ERROR_CODE') ?? null,
    errorMessage: cell(row, 'ERROR_MESSAGE') ?? null,
  }));
}

function stringOrNull(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  return typeof value === 'string' ? value : String(value);
}

/** The driver returns NUMBER as a JS number; text is accepted too (e.g. a fetchAsString session). */
function numberOrNull(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
