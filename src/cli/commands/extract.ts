import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { Cron } from 'croner';
import { extractAll, selectTables } from '../../extract/extract-all.js';
import { LocalObjectStore } from '../../extract/local-store.js';
import type { ExtractSettings, TableRunResult } from '../../extract/run-table.js';
import { S3ObjectStore, s3ClientFromEnv } from '../../extract/s3-store.js';
import type { ObjectStore } from '../../extract/store.js';
import type { PipelineModel } from '../../model/types.js';
import { createReporter, type ExtractReporter } from '../extract-report.js';
import { CliError, type CliIo, EXIT } from '../io.js';
import { loadOrReport, type MetadataOptions } from './metadata-options.js';

export interface ExtractOptions extends MetadataOptions {
  readonly table: string[];
  readonly schedule?: string;
  readonly stateDir?: string;
  readonly fileSizeMb: number;
  readonly chunkRows: number;
  readonly backfillConnections: number;
  readonly gzipLevel: number;
  readonly leaseTtlSeconds: number;
  readonly owner?: string;
  readonly backfill: boolean;
  readonly mysqlLockWaitSeconds: number;
  readonly staleLockMinutes: number;
  readonly mysqlStatementTimeoutSeconds: number;
}

export async function extractCommand(io: CliIo, options: ExtractOptions): Promise<number> {
  const model = await loadOrReport(io, options);
  if (typeof model === 'number') return model;
  const tables = selectTables(model, options.table);
  if ('unknown' in tables) {
    throw new CliError(
      `unknown table ${tables.unknown.join(', ')}; tables are: ${model.tables.map((t) => t.name).join(', ')}`,
      EXIT.usage,
    );
  }
  const dataStore = new S3ObjectStore(s3ClientFromEnv(io.env, model.s3.region), model.s3.bucket);
  const stateStore: ObjectStore = options.stateDir
    ? new LocalObjectStore(resolve(io.cwd, options.stateDir))
    : dataStore;
  const settings: ExtractSettings = {
    chunkRows: options.chunkRows,
    backfillConnections: Math.floor(options.backfillConnections),
    targetFileBytes: Math.round(options.fileSizeMb * 1024 * 1024),
    gzipLevel: options.gzipLevel,
    leaseTtlMs: options.leaseTtlSeconds * 1000,
    owner: options.owner ?? `${hostname()}:${process.pid}`,
    maxAttempts: 3,
    backfill: options.backfill,
    staleLockMs: options.staleLockMinutes * 60_000,
    sessionLimits: {
      lockWaitTimeoutSeconds: options.mysqlLockWaitSeconds,
      statementTimeoutSeconds: options.mysqlStatementTimeoutSeconds,
    },
  };
  const signal = io.signal ?? new AbortController().signal;
  const reporter = createReporter(io);
  const runOnce = () =>
    extractAll({
      model,
      tables,
      dataStore,
      stateStore,
      env: io.env,
      settings,
      signal,
      onTableStart: (t) => reporter.tableStart(t),
      onProgress: (p) => reporter.progress(p),
      onTableDone: (r) => reporter.tableDone(r),
    });
  try {
    if (!options.schedule) return exitCode(await runOnce());
    return await runOnSchedule(options.schedule, model, signal, reporter, runOnce);
  } finally {
    reporter.close();
  }
}

function exitCode(results: readonly TableRunResult[]): number {
  const bad = (r: TableRunResult) =>
    r.status === 'failed' || r.status === 'aborted' || r.lockedTooLong === true;
  return results.some(bad) ? EXIT.problems : EXIT.ok;
}

/** Stays up and runs on the cron schedule; a run still going when the next is due is not overlapped. */
async function runOnSchedule(
  expression: string,
  model: PipelineModel,
  signal: AbortSignal,
  reporter: ExtractReporter,
  runOnce: () => Promise<TableRunResult[]>,
): Promise<number> {
  let job: Cron;
  let current: Promise<void> = Promise.resolve();
  try {
    job = new Cron(expression, { protect: true }, () => {
      current = runOnce().then(
        () => undefined,
        (error: unknown) => reporter.info(`run failed: ${String(error)}`),
      );
      return current;
    });
  } catch (error) {
    throw new CliError(
      `--schedule "${expression}" is not a valid cron expression: ${(error as Error).message}`,
      EXIT.usage,
    );
  }
  reporter.info(
    `pipeline ${model.name}: extracting on schedule "${expression}", next run ${job.nextRun()?.toISOString()}`,
  );
  await new Promise<void>((resolveStop) => {
    if (signal.aborted) resolveStop();
    signal.addEventListener('abort', () => resolveStop(), { once: true });
  });
  job.stop();
  // The run in progress sees the same signal: it abandons its current file and leaves state where it was.
  await current;
  reporter.info('stopped');
  return EXIT.ok;
}
