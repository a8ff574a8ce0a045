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
  TableLimits,
  TableStatus,
} from './types.js';

export interface TableReading {
  readonly table: string;
  readonly limits: TableLimits;
  readonly extractor: Check<ExtractorStatus>;
  readonly snowflake: SnowflakeTableStatus | null;
}

const FAILED_TASK_STATES = new Set(['FAILED', 'FAILED_AND_AUTO_SUSPENDED']);

/** What one table's findings are judged against: its thresholds and the time of the check. */
interface Judge {
  readonly limits: TableLimits;
  readonly nowMs: number;
  readonly problems: string[];
  readonly notes: string[];
}

export function evaluateTable(reading: TableReading, nowMs: number): TableStatus {
  const judge: Judge = { limits: reading.limits, nowMs, problems: [], notes: [] };
  extractorFindings(reading.extractor, judge);
  if (reading.snowflake !== null) snowflakeFindings(reading.snowflake, judge);
  return { ...reading, problems: judge.problems, notes: judge.notes };
}

function extractorFindings(extractor: Check<ExtractorStatus>, judge: Judge): void {
  const { problems, notes } = judge;
  if (!extractor.ok) {
    problems.push(`extractor state could not be read: ${extractor.error}`);
    return;
  }
  const state = extractor.value;
  if (state.lastRun === null) notes.push('never extracted');
  else successAgeFindings(state.lastRun.finishedAt, judge);
  if (state.backfill !== null) notes.push(`initial load in progress since ${state.backfill.startedAt}`);
  leaseFindings(state.lease, problems, notes);
  lastAttemptFindings(state, judge);
}

const minutesSince = (iso: string, nowMs: number) => Math.floor((nowMs - Date.parse(iso)) / 60_000);

function successAgeFindings(finishedAt: string, judge: Judge): void {
  const age = minutesSince(finishedAt, judge.nowMs);
  const max = judge.limits.maxExtractAgeMinutes;
  if (age > max) {
    judge.problems.push(
      `last successful extract finished at ${finishedAt}, ${age} minutes ago, more than max_extract_age_minutes (${max}): check that extract still runs`,
    );
  }
}

/**
 * The last attempt, when it is newer than the last success (a record that could not be rewritten after a later
 * success is old news). Failed is a problem; locked is one once every attempt has found the table locked for
 * longer than the lease TTL (a run that renews its lease that long, or a lease nobody releases).
 */
function lastAttemptFindings(state: ExtractorStatus, judge: Judge): void {
  const attempt = state.lastAttempt;
  if (!attempt.ok) {
    judge.problems.push(`last extract attempt could not be read: ${attempt.error}`);
    return;
  }
  const last = attempt.value;
  if (last === null) return;
  if (state.lastRun !== null && Date.parse(state.lastRun.finishedAt) > Date.parse(last.finishedAt)) return;
  const why = last.message === null ? '' : `: ${last.message}`;
  if (last.status === 'failed') {
    judge.problems.push(`last extract (run ${last.runId}) failed at ${last.finishedAt}${why}`);
  } else if (last.status === 'aborted') {
    judge.notes.push(`last extract (run ${last.runId}) was stopped at ${last.finishedAt}`);
  } else if (last.status === 'locked') {
    const since = last.lockedSince ?? last.finishedAt;
    const minutes = minutesSince(since, judge.nowMs);
    const ttl = Math.ceil(last.leaseTtlMs / 60_000);
    const text = `every extract since ${since} (${minutes} minutes) found the table locked`;
    if (judge.nowMs - Date.parse(since) > last.leaseTtlMs) {
      judge.problems.push(`${text}, longer than the lease TTL (${ttl} minutes)${why}`);
    } else judge.notes.push(`${text}${why}`);
  }
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

function snowflakeFindings(status: SnowflakeTableStatus, judge: Judge): void {
  const { problems, notes } = judge;
  const { pipe, stream, loads, tasks } = status;
  // null: loaded by the Lambda COPY loader, no pipe to check (its failed loads show in COPY_HISTORY, `loads`)
  if (pipe !== null && !pipe.ok) problems.push(`pipe status could not be read: ${pipe.error}`);
  else if (pipe?.ok) {
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
  } else streamHorizonFindings(stream.value.staleAfter, judge);
  taskStateFindings(status, judge);
  mergeLagFindings(status, judge);
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

/** stale_after is approximate and printed by Snowflake; a value that does not parse is shown, not judged. */
function streamHorizonFindings(staleAfter: string | null, judge: Judge): void {
  if (staleAfter === null) return;
  const at = Date.parse(staleAfter);
  if (Number.isNaN(at)) return;
  const hours = judge.limits.streamStaleWithinHours;
  if (at - judge.nowMs < hours * 3_600_000) {
    judge.problems.push(
      `stream goes stale after ${staleAfter}, less than stream_stale_within_hours (${hours}) from now: its unmerged rows are lost then; get the MERGE task running (README, "Failures")`,
    );
  }
}

function taskStateFindings(status: SnowflakeTableStatus, judge: Judge): void {
  const { task } = status;
  if (!task.ok) judge.problems.push(`MERGE task state could not be read: ${task.error}`);
  else if (task.value.state === 'suspended') {
    judge.problems.push(
      `MERGE task ${task.value.name} is suspended: nothing is merged until ALTER TASK … RESUME (README, "Failures")`,
    );
  }
}

function mergeLagFindings(status: SnowflakeTableStatus, judge: Judge): void {
  const { lag } = status;
  if (!lag.ok) {
    judge.problems.push(`merge lag could not be read: ${lag.error}`);
    return;
  }
  const { waitingRows, oldestWaitingAt, lastMergeAt } = lag.value;
  if (oldestWaitingAt === null) return;
  const minutes = minutesSince(oldestWaitingAt, judge.nowMs);
  const max = judge.limits.maxMergeLagMinutes;
  if (minutes > max) {
    judge.problems.push(
      `${waitingRows} loaded rows wait for the MERGE since ${oldestWaitingAt} (${minutes} minutes, more than max_merge_lag_minutes ${max}); last merge: ${lastMergeAt ?? 'never'}`,
    );
  }
}

export function buildReport(input: {
  pipeline: string;
  checkedAt: string;
  stateStore: string;
  snowflake: SnowflakeAccess;
  tables: readonly TableReading[];
}): StatusReport {
  const nowMs = Date.parse(input.checkedAt);
  const tables = input.tables.map((t) => evaluateTable(t, nowMs));
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
