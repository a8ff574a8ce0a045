/**
 * Runs the extraction of several tables, up to `concurrency` at once, started in the given order; a failed or
 * slow table never stops or holds up the others beyond the connections it holds. Every MySQL connection of
 * the run (each table's, and each extra backfill range's) comes out of one budget of `maxConnections`.
 * `onTableDone` reports tables as they finish; the returned results are in the given table order.
 */
import type { PipelineModel, TableModel } from '../model/types.js';
import { ConnectionBudget } from './connection-budget.js';
import { describeSides } from './failure-side.js';
import { recordLastAttempt } from './last-attempt.js';
import { MysqlSource } from './mysql-source.js';
import { type ExtractSettings, extractTable, type Progress, type TableRunResult } from './run-table.js';
import { SessionPool } from './session-pool.js';
import type { ObjectStore } from './store.js';

export interface ExtractAllOptions {
  readonly model: PipelineModel;
  readonly tables: readonly TableModel[];
  readonly dataStore: ObjectStore;
  readonly stateStore: ObjectStore;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly settings: ExtractSettings;
  readonly signal: AbortSignal;
  readonly now?: () => Date;
  /** opens one MySQL session (default MysqlSource.connect with the pipeline's source and session limits) */
  readonly openSource?: () => Promise<MysqlSource>;
  readonly onTableStart?: (table: TableModel) => void;
  readonly onProgress?: (progress: Progress) => void;
  readonly onTableDone?: (result: TableRunResult) => void;
  /** something that went wrong beside the run itself (the last-attempt record could not be written) */
  readonly onWarning?: (message: string) => void;
}

export async function extractAll(options: ExtractAllOptions): Promise<TableRunResult[]> {
  const { settings } = options;
  const concurrency = Math.max(1, Math.floor(settings.concurrency ?? 1));
  const budget = new ConnectionBudget(
    settings.maxConnections ?? concurrency * Math.max(1, settings.backfillConnections ?? 1),
  );
  const open =
    options.openSource ??
    (() =>
      MysqlSource.connect({
        source: options.model.source,
        env: options.env,
        ...(settings.sessionLimits ? { limits: settings.sessionLimits } : {}),
      }));
  const sessions = new SessionPool(budget, open);
  const sides = describeSides(options.model.source, options.model.s3, options.env);
  const now = options.now ?? (() => new Date());
  const results: (TableRunResult | undefined)[] = options.tables.map(() => undefined);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < options.tables.length && !options.signal.aborted; i = next++) {
      const table = options.tables[i] as TableModel;
      options.onTableStart?.(table);
      const startedAt = now();
      const result = await extractTable(table, {
        pipeline: options.model,
        dataStore: options.dataStore,
        stateStore: options.stateStore,
        connect: () => sessions.acquire(options.signal),
        connectIfFree: () => sessions.tryAcquire(),
        settings,
        now,
        signal: options.signal,
        sides,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      });
      results[i] = result;
      // after the run, whatever its outcome, so `status` can show a failure next to the last success
      const times = { startedAt, finishedAt: now(), leaseTtlMs: settings.leaseTtlMs };
      const warning = await recordLastAttempt(options.stateStore, table, result, times);
      if (warning !== undefined) options.onWarning?.(warning);
      options.onTableDone?.(result);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, options.tables.length) }, worker));
  } finally {
    await sessions.close();
  }
  return results.filter((r): r is TableRunResult => r !== undefined);
}

/** Tables named on the command line, or every table; unknown names are a usage error. */
export function selectTables(
  model: PipelineModel,
  names: readonly string[],
): TableModel[] | { unknown: string[] } {
  if (names.length === 0) return [...model.tables];
  const unknown = names.filter((n) => !model.tables.some((t) => t.name === n));
  if (unknown.length > 0) return { unknown };
  return model.tables.filter((t) => names.includes(t.name));
}
