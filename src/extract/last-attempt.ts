/**
 * The outcome of a table's last extract attempt, successful or not (`_snowstage/<table>/last-attempt.json`), so
 * that `status` can show a failure next to the last success. It is a separate object on purpose: state.json
 * advances only after data is durably written, and a failed run must never touch it. Written after each run,
 * best effort: a lost write costs a stale line in `status`, never data.
 */
import type { TableModel } from '../model/types.js';
import type { RunStatus, TableRunResult } from './run-types.js';
import type { ObjectStore } from './store.js';

export interface LastAttempt {
  readonly version: 1;
  readonly table: string;
  readonly runId: string;
  readonly status: RunStatus;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** why it failed or was skipped, one line; null for a success */
  readonly message: string | null;
  /** while every attempt finds the table locked: when the first of them did (kept across locked attempts) */
  readonly lockedSince: string | null;
  /** the lease TTL of the run that wrote it: a table locked longer than that is reported by `status` */
  readonly leaseTtlMs: number;
}

export function lastAttemptKey(table: TableModel): string {
  return `${table.stateKeyPrefix}last-attempt.json`;
}

/** The record of `result`; a locked attempt keeps the `lockedSince` of the locked attempt before it. */
export function lastAttemptOf(
  result: TableRunResult,
  times: { startedAt: Date; finishedAt: Date; leaseTtlMs: number },
  previous: LastAttempt | undefined,
): LastAttempt {
  const finishedAt = times.finishedAt.toISOString();
  const lockedSince =
    result.status !== 'locked' ? null : previous?.status === 'locked' ? previous.lockedSince : finishedAt;
  return {
    version: 1,
    table: result.table,
    runId: result.runId,
    status: result.status,
    startedAt: times.startedAt.toISOString(),
    finishedAt,
    message: result.message === undefined ? null : oneLine(result.message),
    lockedSince,
    leaseTtlMs: times.leaseTtlMs,
  };
}

/** Best effort: returns why the record could not be written instead of throwing. */
export async function recordLastAttempt(
  store: ObjectStore,
  table: TableModel,
  result: TableRunResult,
  times: { startedAt: Date; finishedAt: Date; leaseTtlMs: number },
): Promise<string | undefined> {
  try {
    // only a locked series needs the previous record (when it began); a quiet run stays a few requests
    const previous =
      result.status === 'locked' ? await readLastAttempt(store, table).catch(() => undefined) : undefined;
    const record = lastAttemptOf(result, times, previous);
    await store.putText(lastAttemptKey(table), `${JSON.stringify(record, null, 2)}\n`, {
      contentType: 'application/json',
    });
    return undefined;
  } catch (error) {
    return `could not record the last attempt in ${store.description}/${lastAttemptKey(table)}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** undefined when no attempt was recorded; throws with a one-line reason when the object is not a record. */
export async function readLastAttempt(
  store: ObjectStore,
  table: TableModel,
): Promise<LastAttempt | undefined> {
  const stored = await store.getText(lastAttemptKey(table));
  if (stored === undefined) return undefined;
  const where = `${store.description}/${lastAttemptKey(table)}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored.body);
  } catch {
    throw new Error(`last attempt ${where} is not valid JSON`);
  }
  const problem = recordProblem(parsed, table.name);
  if (problem !== undefined) throw new Error(`last attempt ${where} cannot be used: ${problem}`);
  return parsed as LastAttempt;
}

const STATUSES: readonly string[] = ['ok', 'failed', 'locked', 'aborted'];

function recordProblem(value: unknown, table: string): string | undefined {
  if (typeof value !== 'object' || value === null) return 'not an object';
  const r = value as Record<string, unknown>;
  if (r.version !== 1) return `version ${JSON.stringify(r.version)}, expected 1`;
  if (r.table !== table) return `it is table ${JSON.stringify(r.table)}'s, not "${table}"`;
  if (typeof r.status !== 'string' || !STATUSES.includes(r.status)) return 'no valid status';
  for (const key of ['runId', 'startedAt', 'finishedAt'] as const) {
    if (typeof r[key] !== 'string') return `no ${key}`;
  }
  if (Number.isNaN(Date.parse(r.finishedAt as string))) return 'finishedAt is not a time';
  if (r.message !== null && typeof r.message !== 'string') return 'message is not text';
  if (
    r.lockedSince !== null &&
    (typeof r.lockedSince !== 'string' || Number.isNaN(Date.parse(r.lockedSince)))
  )
    return 'lockedSince is not a time';
  if (typeof r.leaseTtlMs !== 'number' || !(r.leaseTtlMs > 0)) return 'no leaseTtlMs';
  return undefined;
}

/** Messages may span lines (a driver's stack of causes); status prints one line per problem. */
function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}
