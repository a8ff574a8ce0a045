/**
 * The shape of `snowstage status`: what was read per table (extractor state in S3, pipe status, copy and task
 * history in Snowflake) and the problems found in it. `--json` prints a `StatusReport` as is, so field names are
 * part of the command's interface; absent values are `null`, never missing keys.
 */
import type { LastAttempt } from '../extract/last-attempt.js';
import type { KeyPosition } from '../extract/state.js';

/** A value that was read, or why it could not be: one failed query never hides the other results. */
export type Check<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: string };

export interface ExtractorStatus {
  /** last (cursor, key) fully uploaded; null before the first incremental run */
  readonly watermark: KeyPosition | null;
  readonly lastRun: {
    readonly runId: string;
    readonly startedAt: string;
    readonly finishedAt: string;
    readonly rows: number;
    readonly files: number;
    readonly bytes: number;
  } | null;
  /** an initial load / backfill still in progress */
  readonly backfill: { readonly runId: string; readonly startedAt: string } | null;
  readonly totals: {
    readonly runs: number;
    readonly rows: number;
    readonly files: number;
    readonly bytes: number;
  };
  /** the table's lease: null when no run holds it */
  readonly lease: LeaseStatus | null;
  /** the outcome of the last extract attempt, successful or not (last-attempt.json); null before the first */
  readonly lastAttempt: Check<LastAttempt | null>;
}

/** Thresholds of the table's metadata that turn ages into problems (shared with the generated alerts). */
export interface TableLimits {
  readonly maxExtractAgeMinutes: number;
  readonly maxMergeLagMinutes: number;
  readonly streamStaleWithinHours: number;
}

/** Who holds (or held, when expired) a table's lease, or why the lease object cannot be trusted. */
export type LeaseStatus =
  | {
      readonly state: 'held' | 'expired';
      readonly owner: string;
      readonly runId: string;
      readonly acquiredAt: string;
      readonly expiresAt: string;
      /** minutes since acquiredAt, at the time of the check (a renewing holder keeps acquiredAt) */
      readonly heldMinutes: number;
    }
  | { readonly state: 'corrupt'; readonly error: string };

/** The fields of SYSTEM$PIPE_STATUS that say whether the pipe is healthy (reference §4, §9). */
export interface PipeStatus {
  readonly executionState: string;
  readonly pendingFileCount: number;
  readonly lastIngestedTimestamp: string | null;
  readonly oldestPendingFilePath: string | null;
  readonly error: string | null;
}

export interface LoadCounts {
  readonly files: number;
  readonly loaded: number;
  /** Load failed, Partially loaded, or Load skipped (ON_ERROR = SKIP_FILE skips a whole file on one bad value) */
  readonly failed: number;
  readonly inProgress: number;
  readonly rowsLoaded: number;
}

export interface LoadHistory {
  readonly lastHour: LoadCounts;
  readonly lastDay: LoadCounts;
  /** the most recent file that did not load */
  readonly latestError: {
    readonly file: string;
    readonly status: string;
    readonly message: string;
    readonly at: string | null;
  } | null;
}

export interface TaskRun {
  readonly state: string;
  readonly scheduledAt: string | null;
  readonly completedAt: string | null;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
}

/** SHOW STREAMS columns `stale` and `stale_after` of the table's stream (reference §5, catalog §3). */
export interface StreamStatus {
  readonly stale: boolean;
  /** when the stream may go stale unless the MERGE task consumes it; as Snowflake printed it (approximate) */
  readonly staleAfter: string | null;
}

/** SHOW TASKS `state` of the table's MERGE task: started or suspended. */
export interface TaskState {
  readonly name: string;
  readonly state: string;
}

/** Rows the stream holds for the MERGE (loaded, not yet merged) and the target's newest merge. */
export interface MergeLag {
  readonly waitingRows: number;
  /** the oldest waiting row's load time; null when nothing waits */
  readonly oldestWaitingAt: string | null;
  /** MAX(_SNOWSTAGE_MERGED_AT) of the target; null before the first merge */
  readonly lastMergeAt: string | null;
}

export interface SnowflakeTableStatus {
  /** null for a table loaded by the Lambda COPY loader: it has no pipe (its loads show in COPY_HISTORY) */
  readonly pipe: Check<PipeStatus> | null;
  /** the MERGE task's state (SHOW TASKS) */
  readonly task: Check<TaskState>;
  /** how long loaded rows have waited for the MERGE */
  readonly lag: Check<MergeLag>;
  /** the stream the MERGE task consumes: stale means unmerged rows are lost */
  readonly stream: Check<StreamStatus>;
  readonly loads: Check<LoadHistory>;
  /** latest first */
  readonly tasks: Check<TaskRun[]>;
}

export type SnowflakeAccess =
  | { readonly state: 'checked'; readonly connection: string }
  /** no credentials at all in the environment: only the extractor side is shown, and that is not a problem */
  | { readonly state: 'not_configured'; readonly reason: string }
  /** settings incomplete or login failed: a problem, since nothing on the Snowflake side could be checked */
  | { readonly state: 'failed'; readonly error: string };

export interface TableStatus {
  readonly table: string;
  readonly extractor: Check<ExtractorStatus>;
  /** null when Snowflake was not checked */
  readonly snowflake: SnowflakeTableStatus | null;
  readonly problems: readonly string[];
  /** facts worth knowing that are not problems (e.g. never extracted yet) */
  readonly notes: readonly string[];
}

export interface StatusReport {
  readonly pipeline: string;
  readonly checkedAt: string;
  /** where extractor state was read, e.g. s3://bucket or file:///dir */
  readonly stateStore: string;
  readonly snowflake: SnowflakeAccess;
  readonly tables: readonly TableStatus[];
  readonly healthy: boolean;
  /** every problem, prefixed with its table where it has one */
  readonly problems: readonly string[];
}
