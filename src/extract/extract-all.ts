/** Runs the extraction of several tables, one after another; a failed table never stops the others. */
import type { PipelineModel, TableModel } from '../model/types.js';
import { describeSides } from './failure-side.js';
import { recordLastAttempt } from './last-attempt.js';
import { MysqlSource } from './mysql-source.js';
import { type ExtractSettings, extractTable, type Progress, type TableRunResult } from './run-table.js';
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
  readonly onTableStart?: (table: TableModel) => void;
  readonly onProgress?: (progress: Progress) => void;
  readonly onTableDone?: (result: TableRunResult) => void;
  /** something that went wrong beside the run itself (the last-attempt record could not be written) */
  readonly onWarning?: (message: string) => void;
}

export async function extractAll(options: ExtractAllOptions): Promise<TableRunResult[]> {
  const results: TableRunResult[] = [];
  const sides = describeSides(options.model.source, options.model.s3, options.env);
  const now = options.now ?? (() => new Date());
  for (const table of options.tables) {
    if (options.signal.aborted) break;
    options.onTableStart?.(table);
    const startedAt = now();
    const result = await extractTable(table, {
      pipeline: options.model,
      dataStore: options.dataStore,
      stateStore: options.stateStore,
      connect: () =>
        MysqlSource.connect({
          source: options.model.source,
          env: options.env,
          ...(options.settings.sessionLimits ? { limits: options.settings.sessionLimits } : {}),
        }),
      settings: options.settings,
      now,
      signal: options.signal,
      sides,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    results.push(result);
    // after the run, whatever its outcome, so `status` can show a failure next to the last success
    const times = { startedAt, finishedAt: now(), leaseTtlMs: options.settings.leaseTtlMs };
    const warning = await recordLastAttempt(options.stateStore, table, result, times);
    if (warning !== undefined) options.onWarning?.(warning);
    options.onTableDone?.(result);
  }
  return results;
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
