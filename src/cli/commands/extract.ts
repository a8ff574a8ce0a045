import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { Cron } from 'croner';
import { extractAll, selectTables } from '../../extract/extract-all.js';
import { LocalObjectStore } from '../../extract/local-store.js';
import type { ExtractSettings, TableRunResult } from '../../extract/run-table.js';
import { S3ObjectStore, s3ClientFromEnv } from '../../extract/s3-store.js';
import type { ObjectStore } from '../../extract/store.js';
import type { PipelineModel, TableModel } from '../../model/types.js';
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
  readonly concurrency: number;
  readonly maxConnections: number;
  readonly gzipLevel: number;
  readonly leaseTtlSeconds: number;
  readonly owner?: string;
  readonly backfill: boolean;
  /** take a key snapshot now (tables with delete_detection) */
  readonly keySnapshot?: boolean;
  /** the generated directory checked before extracting (as for generate) */
  readonly out?: string;
  /** extract even when generated/ is stale for these tables */
  readonly allowStaleGenerated?: boolean;
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
  const fresh = await refuseStaleGenerated(io, model, tables, options);
  if (fresh !== undefined) return fresh;
  const dataStore = new S3ObjectStore(s3ClientFromEnv(io.env, model.s3.region), model.s3.bucket);
  const stateStore: ObjectStore = options.stateDir
    ? new LocalObjectStore(resolve(io.cwd, options.stateDir))
    : dataStore;
  const settings: ExtractSettings = {
    chunkRows: options.chunkRows,
    backfillConnections: Math.floor(options.backfillConnections),
    concurrency: options.concurrency,
    maxConnections: options.maxConnections,
    targetFileBytes: Math.round(options.fileSizeMb * 1024 * 1024),
    gzipLevel: options.gzipLevel,
    leaseTtlMs: options.leaseTtlSeconds * 1000,
    owner: options.owner ?? `${hostname()}:${process.pid}`,
    maxAttempts: 3,
    backfill: options.backfill,
    keySnapshot: options.keySnapshot === true,
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
      onWarning: (message) => reporter.info(`warning: ${message}`),
    });
  try {
    if (!options.schedule) return exitCode(await runOnce());
    return await runOnSchedule(options.schedule, model, signal, reporter, runOnce);
  } finally {
    reporter.close();
  }
}

/**
 * Files written for SQL that was never generated (a column added to the metadata, a pipe not yet applied) are
 * never loaded: refuse unless told otherwise. Returns an exit code when extract must stop.
 */
async function refuseStaleGenerated(
  io: CliIo,
  model: PipelineModel,
  tables: readonly TableModel[],
  options: ExtractOptions,
): Promise<number | undefined> {
  const out = options.out ?? 'generated';
  const { checkFreshness } = await import('../../generated/freshness.js');
  const freshness = await checkFreshness(model, tables, resolve(io.cwd, out), async () => {
    const { loadTemplates, render } = await import('../../render/render.js');
    return render(model, loadTemplates());
  });
  if (freshness.state === 'current') return undefined;
  const shown = join(out, model.name);
  if (freshness.state === 'missing') {
    io.stderr.write(`note: ${shown} not found; cannot check that the applied SQL matches the metadata\n`);
    return undefined;
  }
  const files = freshness.changes.map((c) => `  ${c.kind.padEnd(7)} ${shown}/${c.path}`).join('\n');
  const what = `${shown} is stale for the tables being extracted:\n${files}\n`;
  if (options.allowStaleGenerated) {
    io.stderr.write(`warning: ${what}extracting anyway (--allow-stale-generated)\n`);
    return undefined;
  }
  io.stderr.write(
    `${what}files written now may not match the pipes Snowflake loads them with: run \`snowstage generate\`, ` +
      'review, `snowstage apply`, then extract (or pass --allow-stale-generated). Nothing was extracted.\n',
  );
  return EXIT.problems;
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
