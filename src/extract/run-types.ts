/** Settings, dependencies and results of an extraction run, shared by run-table.ts and table-run.ts. */
import type { FailureSides } from './failure-side.js';
import type { MysqlSource } from './mysql-source.js';
import type { SessionLimits } from './session.js';
import type { ObjectStore } from './store.js';

export interface ExtractSettings {
  readonly chunkRows: number;
  /** compressed size at which a file is closed and the next one started */
  readonly targetFileBytes: number;
  readonly gzipLevel: number;
  readonly leaseTtlMs: number;
  readonly owner: string;
  readonly maxAttempts: number;
  /** let MySQL format most columns into the CSV line (default true; false runs every value through JS) */
  readonly serverFormatting?: boolean;
  /**
   * MySQL connections that read a new backfill at once, each over its own primary-key range (single-column
   * integer keys only; default 1)
   */
  readonly backfillConnections?: number;
  /** tables extracted at once (default 1) */
  readonly concurrency?: number;
  /**
   * MySQL connections the whole run may hold at once, over all tables and backfill ranges (default: concurrency
   * × backfillConnections)
   */
  readonly maxConnections?: number;
  /** take a key snapshot of every table with delete_detection now, whatever its every_minutes */
  readonly keySnapshot?: boolean;
  /** start a new backfill even when the table has a watermark (e.g. to fill a column added to the metadata) */
  readonly backfill?: boolean;
  /**
   * A table locked by a run that has held its lease longer than this is reported as a failure (exit 1): a run
   * that long is likely stuck, and every run since found the table locked. Default DEFAULT_STALE_LOCK_MS.
   */
  readonly staleLockMs?: number;
  /** lock wait and statement time bounds of every MySQL session (default DEFAULT_SESSION_LIMITS) */
  readonly sessionLimits?: SessionLimits;
}

export interface Progress {
  readonly table: string;
  /** rows read by this run so far */
  readonly rows: number;
  /** CSV bytes (uncompressed) of those rows */
  readonly bytes: number;
  /** backfill only: the server's estimate of the table's rows (information_schema.TABLES.TABLE_ROWS) */
  readonly estimatedRows?: number;
}

/** The pipeline a run works for: recorded in (and checked against) every table's state. */
export interface PipelineIdentity {
  readonly name: string;
  readonly source: { readonly host: string; readonly port: number; readonly database: string };
}

export interface ExtractDeps {
  readonly pipeline: PipelineIdentity;
  readonly dataStore: ObjectStore;
  readonly stateStore: ObjectStore;
  /** a connection for the table (waits for the run's connection budget) */
  readonly connect: () => Promise<MysqlSource>;
  /**
   * an extra connection for a backfill range, only when the budget has one free now (undefined otherwise);
   * without it every range gets its own connection from `connect`
   */
  readonly connectIfFree?: () => Promise<MysqlSource | undefined>;
  readonly settings: ExtractSettings;
  readonly now: () => Date;
  readonly signal: AbortSignal;
  readonly onProgress?: (progress: Progress) => void;
  readonly sleep?: (ms: number) => Promise<void>;
  /** names MySQL and S3 in failure messages */
  readonly sides?: FailureSides;
}

export type RunStatus = 'ok' | 'failed' | 'locked' | 'aborted';

/** 60 minutes: see ExtractSettings.staleLockMs */
export const DEFAULT_STALE_LOCK_MS = 60 * 60 * 1000;

export interface TableRunResult {
  readonly table: string;
  readonly status: RunStatus;
  readonly runId: string;
  /** snapshot: a mode: snapshot table's whole-table snapshot (its files are the run's) */
  readonly mode: 'backfill' | 'incremental' | 'snapshot' | 'none';
  readonly rows: number;
  readonly files: number;
  readonly bytes: number;
  readonly compressedBytes: number;
  readonly window: { readonly lower: string | null; readonly upper: string | null };
  readonly durationMs: number;
  readonly backfillComplete?: boolean;
  /** locked by a run that has held the table longer than staleLockMs: counts as a failure */
  readonly lockedTooLong?: boolean;
  readonly message?: string;
  /** what did not stop the run but should be fixed (e.g. a cursor without an index: every run scans the table) */
  readonly warnings?: readonly string[];
  /** the key snapshot this run took or finished (delete_detection) */
  readonly keySnapshot?: {
    readonly id: string;
    readonly complete: boolean;
    readonly rows: number;
    readonly files: number;
    readonly compressedBytes: number;
    readonly durationMs: number;
  };
}

/** A run that must stop: the message says why and what to do. */
export class RunFailure extends Error {}
