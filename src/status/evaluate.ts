/**
 * Turns what `status` read into problems (exit 1) and notes (informational). Pure: the time of the check is
 * passed in. A problem is something an operator must act on: a pipe that is not RUNNING or reports an error,
 * files that did not load, a failed MERGE run, or a check that could not be made at all.
 */
import { DEFAULT_STALE_LOCK_MS } from '../extract/run-types.js';
import type {
  Check,
  ExtractorStatus,
  SnowflakeAccess,
  SnowflakeTableStatus,
  StatusReport,
  TableStatus,
} from './types.js';

export interface TableReading {
  readonly table: string;
  readonly extractor: Check<ExtractorStatus>;
  readonly snowflake: SnowflakeTableStatus | null;
}

const FAILED_TASK_STATES = new Set(['FAILED', 'FAILED_AND_AUTO_SUSPENDED']);

export function evaluateTable(reading: TableReading): TableStatus {
  const problems: string[] = [];
  const notes: string[] = [];
  extractorFindings(reading.extractor, problems, notes);
  if (reading.snowflake !== null) snowflakeFindings(reading.snowflake, problems, notes);
  return { ...reading, problems, notes };
}

function extractorFindings(extractor: Check<ExtractorStatus>, problems: string[], notes: string[]): void {
  if (!extractor.ok) {
    problems.push(`extractor state could not be read: ${extractor.error}`);
    return;
  }
  const state = extractor.value;
  if (state.lastRun === null) notes.push('never extracted');
  if (state.backfill !== null) notes.push(`initial load in progress since ${state.backfill.startedAt}`);
  leaseFindings(state.lease, problems, notes);
}

/** The same limit as `extract --stale-lock-minutes` by default: a run holding a table that long may be stuck. */
const STALE_LOCK_MINUTES = DEFAULT_STALE_LOCK_MS / 60_000;

function leaseFindings(lease: ExtractorStatus['lease'], problems: string[], notes: string[]): void {
  if (lease === null) return;
  if (lease.state === 'corrupt') {
    problems.push(lease.error);
    return;
  }
  const who = `${lease.owner} (run ${lease.runId})`;
  if (lease.state === 'expired') {
    notes.push(
      `lease of ${who} expired at ${lease.expiresAt} without being released (that run did not finish)`,
    );
  } else if (lease.heldMinutes > STALE_LOCK_MINUTES) {
    problems.push(
      `locked for ${lease.heldMinutes} minutes by ${who}, more than ${STALE_LOCK_MINUTES}: every extract since found it locked; check that run is not stuck`,
    );
  } else {
    notes.push(`being extracted by ${who} since ${lease.acquiredAt}`);
  }
}

function snowflakeFindings(status: SnowflakeTableStatus, problems: string[], notes: string[]): void {
  const { pipe, stream, loads, tasks } = status;
  if (!pipe.ok) problems.push(`pipe status could not be read: ${pipe.error}`);
  else {
    if (pipe.value.executionState !== 'RUNNING') {
      problems.push(`pipe is ${pipe.value.executionState}, not RUNNING`);
    }
    if (pipe.value.error !== null) problems.push(`pipe reports an error: ${pipe.value.error}`);
  }
  if (!stream.ok) problems.push(`stream could not be read: ${stream.error}`);
  else if (stream.value.stale) {
    problems.push(
      'stream is stale: rows it had not handed to the MERGE are lost; recreate it and backfill the table (README, "Failures")',
    );
  }
  if (!loads.ok) problems.push(`copy history could not be read: ${loads.error}`);
  else if (loads.value.lastDay.failed > 0) {
    const n = loads.value.lastDay.failed;
    const latest = loads.value.latestError;
    const detail = latest === null ? '' : `; latest: ${latest.file}: ${latest.message}`;
    problems.push(`${n} file${n === 1 ? '' : 's'} failed to load in the last 24 hours${detail}`);
  }
  if (!tasks.ok) problems.push(`task history could not be read: ${tasks.error}`);
  else {
    const last = tasks.value[0];
    if (last === undefined) notes.push('no MERGE task run in the last 24 hours');
    else if (FAILED_TASK_STATES.has(last.state)) {
      const code = last.errorCode === null ? '' : ` ${last.errorCode}`;
      problems.push(`last MERGE task run ${last.state}:${code} ${last.errorMessage ?? ''}`.trimEnd());
    }
  }
}

export function buildReport(input: {
  pipeline: string;
  checkedAt: string;
  stateStore: string;
  snowflake: SnowflakeAccess;
  tables: readonly TableReading[];
}): StatusReport {
  const tables = input.tables.map(evaluateTable);
  const problems = [
    ...(input.snowflake.state === 'failed'
      ? [`Snowflake could not be checked: ${input.snowflake.error}`]
      : []),
    ...tables.flatMap((t) => t.problems.map((p) => `${t.table}: ${p}`)),
  ];
  return {
    pipeline: input.pipeline,
    checkedAt: input.checkedAt,
    stateStore: input.stateStore,
    snowflake: input.snowflake,
    tables,
    healthy: problems.length === 0,
    problems,
  };
}
