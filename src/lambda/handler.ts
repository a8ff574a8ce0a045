/**
 * AWS Lambda entry point (`snowstage/lambda`): runs the extractor when an EventBridge schedule invokes it, for the
 * tables named in the event or all of them, and returns a summary. It stops before the function's timeout
 * (deadline.ts) with state saved, so a backfill larger than one invocation completes over several.
 *
 * Credentials: S3 through the execution role (the SDK's default chain reads the keys Lambda puts in the
 * environment); MySQL and the bucket from the variables the metadata references, as for the CLI.
 * Handler docs: https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html
 */

import { extractAll, selectTables } from '../extract/extract-all.js';
import type { TableRunResult } from '../extract/run-types.js';
import { S3ObjectStore, s3ClientFromEnv } from '../extract/s3-store.js';
import type { PipelineModel } from '../model/types.js';
import { type RemainingTime, watchDeadline } from './deadline.js';
import { parseScheduleEvent } from './events.js';
import { loadModel } from './model.js';
import { withSecrets } from './secrets.js';
import { type LambdaSettings, lambdaSettings } from './settings.js';

/** The part of the Lambda context the handler reads (nodejs-context.html). */
export interface LambdaContext extends RemainingTime {
  readonly functionName: string;
  readonly awsRequestId: string;
}

export interface TableSummary {
  readonly table: string;
  readonly status: TableRunResult['status'];
  readonly mode: TableRunResult['mode'];
  readonly rows: number;
  readonly files: number;
  readonly backfillComplete?: boolean;
  readonly message?: string;
}

export interface ExtractSummary {
  readonly pipeline: string;
  readonly requestId: string;
  readonly tables: readonly TableSummary[];
  /** tables not started because the deadline came first: the next invocation takes them */
  readonly notStarted: readonly string[];
  /** true when the deadline stopped the run; state is consistent and the next invocation continues */
  readonly stoppedForDeadline: boolean;
}

export interface HandlerOptions {
  /** default process.env, read at each invocation */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** how often the remaining time is read (default 1 s) */
  readonly pollMs?: number;
}

export function createHandler(options: HandlerOptions = {}) {
  return async (event: unknown, context: LambdaContext): Promise<ExtractSummary> => {
    const request = parseScheduleEvent(event);
    // A refused event is a function error: visible in the Errors metric, and nothing was read or written.
    if (request.kind === 'refused') throw new Error(`snowstage: event refused: ${request.message}`);
    const env = await withSecrets(options.env ?? process.env);
    const settings = lambdaSettings(env, process.cwd());
    const model = await loadModel(settings.metadataDir, env);
    const tables = selectTables(model, request.tables);
    if ('unknown' in tables)
      throw new Error(
        `snowstage: unknown table ${tables.unknown.join(', ')}; tables are: ${model.tables.map((t) => t.name).join(', ')}`,
      );
    const summary = await run(model, tables, { settings, env, context, backfill: request.backfill, options });
    console.log(JSON.stringify({ snowstage: 'extract', ...summary }));
    const failed = summary.tables.filter((t) => t.status === 'failed');
    // Failed tables make the invocation fail too, so alarms on Errors and the async retry policy see them.
    if (failed.length > 0)
      throw new Error(`snowstage: ${failed.map((t) => `${t.table}: ${t.message}`).join('; ')}`);
    return summary;
  };
}

async function run(
  model: PipelineModel,
  tables: PipelineModel['tables'],
  parts: {
    settings: LambdaSettings;
    env: Readonly<Record<string, string | undefined>>;
    context: LambdaContext;
    backfill: boolean;
    options: HandlerOptions;
  },
): Promise<ExtractSummary> {
  const { settings, env, context } = parts;
  const deadline = watchDeadline(context, settings.marginMs, parts.options.pollMs ?? 1000);
  const store = new S3ObjectStore(s3ClientFromEnv(env, model.s3.region), model.s3.bucket);
  try {
    const results = await extractAll({
      model,
      tables,
      dataStore: store,
      stateStore: store,
      env,
      settings: {
        ...settings.extract,
        owner: `lambda:${context.functionName}:${context.awsRequestId}`,
        backfill: parts.backfill,
      },
      signal: deadline.signal,
    });
    const started = new Set(results.map((r) => r.table));
    return {
      pipeline: model.name,
      requestId: context.awsRequestId,
      tables: results.map(tableSummary),
      notStarted: tables.map((t) => t.name).filter((name) => !started.has(name)),
      stoppedForDeadline: deadline.signal.aborted,
    };
  } finally {
    deadline.stop();
  }
}

function tableSummary(r: TableRunResult): TableSummary {
  return {
    table: r.table,
    status: r.status,
    mode: r.mode,
    rows: r.rows,
    files: r.files,
    ...(r.backfillComplete === undefined ? {} : { backfillComplete: r.backfillComplete }),
    ...(r.message === undefined ? {} : { message: r.message }),
  };
}

/** The function's handler: `Handler: index.handler` in the bundle. */
export const handler = createHandler();

export { createLoader, loader } from './loader.js';
