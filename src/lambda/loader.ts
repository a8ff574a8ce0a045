/**
 * The COPY loader (`loader` in `snowstage/lambda`): for accounts that cannot use Snowpipe auto-ingest, S3
 * "object created" notifications (direct, through SQS, or through EventBridge) invoke it, and it runs COPY INTO for
 * exactly the new files through snowflake-sdk: for each file, the COPY of the pipe that would load it with
 * loader: snowpipe (data files; a snapshot table's completion markers; delete detection's key files and key
 * markers), from the same view models (render/copy-files.ts). Repeated delivery is harmless: COPY skips files the
 * target table's load metadata says are loaded (64 days). A marker may arrive before the files it lists: the tasks
 * act only once every listed file is loaded. Objects that are not such a file (other buckets, folder markers,
 * manifests, state, leases) are ignored, and so are the files of
 * tables loaded by a pipe (loader: snowpipe), so no file is loaded by both. Per-object results are returned; with
 * SQS, the messages whose files failed are returned as batchItemFailures so only they are retried (needs
 * FunctionResponseTypes: [ReportBatchItemFailures]); otherwise a failed file fails the invocation.
 */
import type { PipelineModel, TableModel } from '../model/types.js';
import { type CopyKind, copyFilesStatements } from '../render/copy-files.js';
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
  // one group per pipe the files would have had: same target table, same COPY
  const byCopy = new Map<string, CopyGroup>();
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
      const id = `${found.table.name}\u0000${found.copy}`;
      const group = byCopy.get(id) ?? { table: found.table, copy: found.copy, files: [] };
      group.files.push({ object, file: found.file, stageFile: found.stageFile });
      byCopy.set(id, group);
    }
  }
  if (byCopy.size > 0) {
    const client = await connect(model, env);
    try {
      for (const group of byCopy.values()) {
        for (const [object, result] of await copyGroup(model, group, client)) results.set(object, result);
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

interface CopyGroup {
  readonly table: TableModel;
  readonly copy: CopyKind;
  readonly files: { object: NotifiedObject; file: string; stageFile: string }[];
}

/** One COPY per 1,000 files; a statement that fails marks its files failed (the others still run). */
async function copyGroup(
  model: PipelineModel,
  { table, copy, files }: CopyGroup,
  client: SqlClient,
): Promise<Map<NotifiedObject, ObjectResult>> {
  const unique = [...new Set(files.map((f) => f.file))];
  const stageFiles = new Map(files.map((f) => [f.file, f.stageFile]));
  const statements = copyFilesStatements(model, table, unique, loadTemplates(), copy);
  const byFile = new Map<string, Omit<ObjectResult, 'bucket' | 'key'>>();
  for (const [i, sql] of statements.entries()) {
    const names = unique.slice(i * 1000, (i + 1) * 1000);
    try {
      const { rows } = await client.execute(sql);
      for (const name of names) byFile.set(name, outcomeOf(table, stageFiles.get(name) ?? name, rows));
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
  stageFile: string,
  rows: readonly Record<string, unknown>[],
): Omit<ObjectResult, 'bucket' | 'key'> {
  const lower = rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k.toLowerCase(), v])));
  const row = lower.find((r) => typeof r.file === 'string' && r.file.endsWith(stageFile));
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
