/**
 * The COPY loader (`loader` in `snowstage/lambda`): for accounts that cannot use Snowpipe auto-ingest, S3
 * "object created" notifications (direct, through SQS, or through EventBridge) invoke it, and it runs COPY INTO for
 * exactly the new data files through snowflake-sdk, with the pipe's COPY options (render/copy-files.ts). Repeated
 * delivery is harmless: COPY skips files its load metadata says are loaded (64 days). Objects that are not a
 * table's data file (other buckets, folder markers, manifests, state, leases) are ignored, and so are the files of
 * tables loaded by a pipe (loader: snowpipe), so no file is loaded by both. Per-object results are returned; with
 * SQS, the messages whose files failed are returned as batchItemFailures so only they are retried (needs
 * FunctionResponseTypes: [ReportBatchItemFailures]); otherwise a failed file fails the invocation.
 */
import type { PipelineModel, TableModel } from '../model/types.js';
import { copyFilesStatements } from '../render/copy-files.js';
import { loadTemplates } from '../render/render.js';
import { connectSnowflake, type SqlClient } from '../snowflake/client.js';
import { connectionDefaults } from '../snowflake/connection.js';
import { snowflakeOptionsFromEnv } from '../snowflake/env.js';
import { loadModel } from './model.js';
import { classifyObject, type NotifiedObject, parseObjectEvent } from './s3-events.js';
import { withSecrets } from './secrets.js';
import { lambdaSettings } from './settings.js';

export type ObjectOutcome = 'loaded' | 'already_loaded' | 'failed' | 'ignored';

export interface ObjectResult {
  readonly bucket: string;
  readonly key: string;
  readonly outcome: ObjectOutcome;
  readonly table?: string;
  readonly rowsLoaded?: number;
  /** why it was ignored, or the first error */
  readonly detail?: string;
}

export interface LoadSummary {
  readonly objects: readonly ObjectResult[];
  /** present for SQS events: the messages to retry */
  readonly batchItemFailures?: readonly { itemIdentifier: string }[];
}

type Env = Readonly<Record<string, string | undefined>>;

/** Thrown for a direct S3 or EventBridge event with a file that did not load; carries the whole summary. */
export class LoadFailedError extends Error {
  constructor(
    readonly summary: LoadSummary,
    failed: readonly ObjectResult[],
  ) {
    super(
      `snowstage loader: ${failed.length} of ${summary.objects.length} object(s) failed to load: ${failed
        .map((o) => `${o.key}: ${o.detail ?? 'failed'}`)
        .join('; ')}`,
    );
    this.name = 'LoadFailedError';
  }
}

export interface LoaderOptions {
  readonly env?: Env;
}

export function createLoader(options: LoaderOptions = {}) {
  return async (event: unknown): Promise<LoadSummary> => {
    const parsed = parseObjectEvent(event);
    if (parsed.kind === 'refused') throw new Error(`snowstage loader: event refused: ${parsed.message}`);
    const env = await withSecrets(options.env ?? process.env);
    const model = await loadModel(lambdaSettings(env, process.cwd()).metadataDir, env);
    const results = await loadObjects(model, parsed.objects, env);
    const summary = withBatchFailures(event, parsed.objects, results);
    console.log(JSON.stringify({ snowstage: 'load', ...summary }));
    // Without SQS there is no batch to report: a failed file fails the invocation, so Lambda's asynchronous
    // retries (and then the on-failure destination) see it. A retry is safe: COPY skips files it already loaded.
    const failed = summary.objects.filter((o) => o.outcome === 'failed');
    if (summary.batchItemFailures === undefined && failed.length > 0)
      throw new LoadFailedError(summary, failed);
    return summary;
  };
}

async function loadObjects(model: PipelineModel, objects: readonly NotifiedObject[], env: Env) {
  const results = new Map<NotifiedObject, ObjectResult>();
  const byTable = new Map<TableModel, { object: NotifiedObject; file: string }[]>();
  for (const object of objects) {
    const found = classifyObject(model, object.bucket, object.key);
    if (found.kind === 'ignored') {
      results.set(object, {
        bucket: object.bucket,
        key: object.key,
        outcome: 'ignored',
        detail: found.reason,
      });
    } else {
      byTable.set(found.table, [...(byTable.get(found.table) ?? []), { object, file: found.file }]);
    }
  }
  if (byTable.size > 0) {
    const client = await connect(model, env);
    try {
      for (const [table, files] of byTable) {
        for (const [object, result] of await copyTable(model, table, files, client))
          results.set(object, result);
      }
    } finally {
      await client.close();
    }
  }
  return objects.map((o) => results.get(o) as ObjectResult);
}

async function connect(model: PipelineModel, env: Env): Promise<SqlClient> {
  const { options, problems } = snowflakeOptionsFromEnv(env as NodeJS.ProcessEnv, connectionDefaults(model));
  if (!options) throw new Error(`snowstage loader: ${problems.join('; ')}`);
  return connectSnowflake(options);
}

/** One COPY per 1,000 files; a statement that fails marks its files failed (the others still run). */
async function copyTable(
  model: PipelineModel,
  table: TableModel,
  files: readonly { object: NotifiedObject; file: string }[],
  client: SqlClient,
): Promise<Map<NotifiedObject, ObjectResult>> {
  const unique = [...new Set(files.map((f) => f.file))];
  const statements = copyFilesStatements(model, table, unique, loadTemplates());
  const byFile = new Map<string, Omit<ObjectResult, 'bucket' | 'key'>>();
  for (const [i, sql] of statements.entries()) {
    const names = unique.slice(i * 1000, (i + 1) * 1000);
    try {
      const { rows } = await client.execute(sql);
      for (const name of names) byFile.set(name, outcomeOf(table, name, rows));
    } catch (error) {
      for (const name of names)
        byFile.set(name, { outcome: 'failed', table: table.name, detail: (error as Error).message });
    }
  }
  return new Map(
    files.map(({ object, file }) => [
      object,
      { bucket: object.bucket, key: object.key, ...byFile.get(file) } as ObjectResult,
    ]),
  );
}

/**
 * COPY answers one row per file it processed (columns file, status, rows_loaded, first_error; read by name,
 * case-insensitively); a file it skipped because its load metadata says it is loaded has no row (with nothing to
 * load, the only row says "Copy executed with 0 files processed.").
 */
function outcomeOf(
  table: TableModel,
  file: string,
  rows: readonly Record<string, unknown>[],
): Omit<ObjectResult, 'bucket' | 'key'> {
  const lower = rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k.toLowerCase(), v])));
  const row = lower.find((r) => typeof r.file === 'string' && r.file.endsWith(`${table.stagePath}${file}`));
  if (!row) return { outcome: 'already_loaded', table: table.name };
  const status = String(row.status);
  if (status === 'LOADED')
    return { outcome: 'loaded', table: table.name, rowsLoaded: Number(row.rows_loaded) };
  return { outcome: 'failed', table: table.name, detail: `${status}: ${String(row.first_error ?? '')}` };
}

function withBatchFailures(
  event: unknown,
  objects: readonly NotifiedObject[],
  results: readonly ObjectResult[],
): LoadSummary {
  const records = (event as { Records?: { eventSource?: string }[] }).Records;
  if (!Array.isArray(records) || !records.some((r) => r?.eventSource === 'aws:sqs'))
    return { objects: results };
  const failed = new Set(
    objects.flatMap((o, i) => (results[i]?.outcome === 'failed' && o.messageId ? [o.messageId] : [])),
  );
  return { objects: results, batchItemFailures: [...failed].sort().map((id) => ({ itemIdentifier: id })) };
}

/** The loader function's handler: `Handler: app/lambda/index.loader` in the bundle. */
export const loader = createLoader();
