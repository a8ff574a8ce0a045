/** Validated metadata → PipelineModel, with the cross-file semantic checks schemas cannot express. */
import type { Diagnostic } from '../metadata/diagnostics.js';
import type { PipelineDoc } from '../metadata/documents.js';
import { parseWholeReference } from '../metadata/env.js';
import type { LoadedMetadata } from '../metadata/load.js';
import { buildAirflow } from './airflow.js';
import { buildTable } from './build-table.js';
import { buildLambda } from './lambda.js';
import { snowflakeNameProblem } from './name-checks.js';
import { resolveSnowflakeName } from './names.js';
import { resolveSchedule } from './schedule.js';
import type { PipelineModel, SecretRef, SourceModel, TableModel } from './types.js';

export function buildModel(metadata: LoadedMetadata): {
  model: PipelineModel | undefined;
  diagnostics: Diagnostic[];
} {
  const diagnostics: Diagnostic[] = [];
  const { doc, source } = metadata.pipeline;
  const report = (pointer: string, message: string) => diagnostics.push(source.at(pointer, message));
  checkPipelineNames(doc, report);
  const database = resolveSnowflakeName(doc.snowflake.database);
  const rawSchema = resolveSnowflakeName(doc.snowflake.raw_schema);
  const targetSchema = resolveSnowflakeName(doc.snowflake.target_schema);
  if (rawSchema === targetSchema) {
    report(
      '/snowflake/target_schema',
      `found "${targetSchema}" for both raw_schema and target_schema, expected two schemas (landing and target tables share names)`,
    );
  }
  if (doc.defaults?.merge_schedule) {
    const schedule = resolveSchedule(doc.defaults.merge_schedule);
    if ('error' in schedule)
      report(`/defaults/merge_schedule${schedule.at ? `/${schedule.at}` : ''}`, schedule.error);
  }
  const port = Number(doc.source.port ?? 3306);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    report('/source/port', `found ${JSON.stringify(doc.source.port)}, expected a TCP port number 1-65535`);
  }
  const prefix = normalizePrefix(doc.s3.prefix ?? '');
  const context = { pipeline: doc, database, rawSchema, targetSchema, prefix };
  const tables = metadata.tables.map((file) => buildTable(file, context, diagnostics));
  const built = tables.filter((t): t is TableModel => t !== undefined);
  checkTablesTogether(metadata, built, diagnostics);
  const dataUrl = `s3://${doc.s3.bucket}/${prefix}data/`;
  checkAllowedLocations(doc, dataUrl, report);
  const airflow = buildAirflow(doc.airflow, report);
  const lambda = buildLambda(doc.lambda, report);
  if (!lambda) checkLoaderFunction(metadata, built, diagnostics);
  if (diagnostics.length > 0 || built.length !== tables.length) return { model: undefined, diagnostics };
  const integration = doc.snowflake.storage_integration;
  const model: PipelineModel = {
    name: doc.name,
    file: source.file,
    source: buildSource(doc),
    s3: { bucket: doc.s3.bucket, prefix, region: doc.s3.region, dataUrl, kmsKeyArn: doc.s3.kms_key_arn },
    snowflake: {
      database,
      rawSchema,
      targetSchema,
      role: doc.snowflake.role === undefined ? undefined : resolveSnowflakeName(doc.snowflake.role),
      warehouse:
        doc.snowflake.warehouse === undefined ? undefined : resolveSnowflakeName(doc.snowflake.warehouse),
      monitorRole: optionalName(doc.snowflake.monitor_role),
      errorIntegration: optionalName(doc.snowflake.error_integration),
      taskFailures: {
        suspendAfterFailures:
          doc.snowflake.tasks?.suspend_after_failures ?? TASK_FAILURE_DEFAULTS.suspendAfterFailures,
        autoRetryAttempts:
          doc.snowflake.tasks?.auto_retry_attempts ?? TASK_FAILURE_DEFAULTS.autoRetryAttempts,
      },
      integration: {
        name: resolveSnowflakeName(integration.name),
        awsRoleArn: integration.aws_role_arn,
        allowedLocations: integration.allowed_locations,
        externalId: integration.external_id,
        awsIamUserArn: integration.aws_iam_user_arn,
      },
      fileFormat: { database, schema: rawSchema, name: `${doc.name.toUpperCase()}_CSV` },
      stageFileFormat: { database, schema: rawSchema, name: `${doc.name.toUpperCase()}_CSV_QUERY` },
      stage: { database, schema: rawSchema, name: `${doc.name.toUpperCase()}_STAGE` },
    },
    alerts: {
      notificationIntegration: optionalName(doc.alerts?.notification_integration),
      scheduleMinutes: doc.alerts?.schedule_minutes ?? ALERT_DEFAULTS.scheduleMinutes,
      streamStaleWithinHours: doc.alerts?.stream_stale_within_hours ?? ALERT_DEFAULTS.streamStaleWithinHours,
    },
    tables: [...built].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    airflow,
    lambda,
  };
  return { model, diagnostics };
}

/** Snowflake names of the pipeline file, as Snowflake resolves them: length and mixed scripts. */
function checkPipelineNames(doc: PipelineDoc, report: (pointer: string, message: string) => void): void {
  const sf = doc.snowflake;
  const written: [string, string | undefined][] = [
    ['/snowflake/database', sf.database],
    ['/snowflake/raw_schema', sf.raw_schema],
    ['/snowflake/target_schema', sf.target_schema],
    ['/snowflake/role', sf.role],
    ['/snowflake/warehouse', sf.warehouse],
    ['/snowflake/storage_integration/name', sf.storage_integration.name],
    ['/snowflake/monitor_role', sf.monitor_role],
    ['/snowflake/error_integration', sf.error_integration],
    ['/alerts/notification_integration', doc.alerts?.notification_integration],
  ];
  for (const [pointer, name] of written) {
    const problem = name === undefined ? undefined : snowflakeNameProblem(name, resolveSnowflakeName(name));
    if (problem) report(pointer, problem);
  }
}

/**
 * Chosen, not inherited: a failed MERGE leaves its rows in the stream, so a retry is safe and absorbs transient
 * failures (a warehouse that could not start); a persistent failure (a value that does not convert) fails every run,
 * and after 10 consecutive failed runs (50 minutes at a 5-minute schedule) Snowflake suspends the task, which
 * `status` and TASK_HISTORY show as FAILED_AND_AUTO_SUSPENDED. Someone must then fix the cause and resume the task
 * before the stream goes stale (README, "Failures").
 */
export const TASK_FAILURE_DEFAULTS = { suspendAfterFailures: 10, autoRetryAttempts: 2 } as const;

/**
 * Checked every 15 minutes; a stream is reported 48 hours before its stale_after, which leaves two days to fix a
 * stopped MERGE within Snowflake's default 14-day extension (README, "Failures").
 */
export const ALERT_DEFAULTS = { scheduleMinutes: 15, streamStaleWithinHours: 48 } as const;

function optionalName(written: string | undefined): string | undefined {
  return written === undefined ? undefined : resolveSnowflakeName(written);
}

function normalizePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+/, '').replace(/\/+$/, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}

/** The MySQL connection settings of a validated pipeline document (port checked by buildModel). */
export function buildSource(doc: PipelineDoc): SourceModel {
  return {
    host: doc.source.host,
    port: Number(doc.source.port ?? 3306),
    user: doc.source.user,
    password: secretRef(doc.source.password),
    database: doc.source.database,
  };
}

function secretRef(written: string | undefined): SecretRef | undefined {
  if (written === undefined) return undefined;
  const ref = parseWholeReference(written);
  // The loader already rejected literal secrets; a reference is all that can be here.
  return ref ? { env: ref.name, fallback: ref.fallback } : undefined;
}

/** Names unique per pipeline, target tables unique after case rules, S3 folders disjoint (pitfall 12). */
function checkTablesTogether(
  metadata: LoadedMetadata,
  tables: readonly TableModel[],
  diagnostics: Diagnostic[],
): void {
  const sourceOf = new Map(metadata.tables.map((t) => [t.source.file, t.source]));
  const at = (table: TableModel, pointer: string, message: string) => {
    const source = sourceOf.get(table.file);
    if (source) diagnostics.push(source.at(pointer, message));
  };
  const seen = { name: new Map<string, TableModel>(), target: new Map<string, TableModel>() };
  for (const table of tables) {
    const sameName = seen.name.get(table.name);
    if (sameName)
      at(
        table,
        '/name',
        `found "${table.name}" again (also in ${sameName.file}), expected unique table names`,
      );
    seen.name.set(table.name, table);
    const sameTarget = seen.target.get(table.targetTable.name);
    if (sameTarget) {
      at(
        table,
        '/target_table',
        `found target table "${table.targetTable.name}" again (also ${sameTarget.file}), expected unique names under Snowflake's case rules`,
      );
    }
    seen.target.set(table.targetTable.name, table);
  }
  for (const table of tables) {
    const clash = table.liveView && seen.target.get(table.liveView.name);
    if (clash && table.liveView) {
      at(
        table,
        '/live_view',
        `found live view "${table.liveView.name}" with the name of the target table of ${clash.file}, expected live_view: false here or another target_table there`,
      );
    }
  }
  if (!anyPrefixOfAnother(tables.map((t) => t.stagePath))) return;
  for (const [i, a] of tables.entries()) {
    for (const b of tables.slice(i + 1)) {
      if (a.stagePath.startsWith(b.stagePath) || b.stagePath.startsWith(a.stagePath)) {
        at(
          b,
          '/s3_path',
          `found S3 folder "${b.stagePath}" overlapping "${a.stagePath}" of ${a.file}, expected disjoint folders (one pipe would load the other's files)`,
        );
      }
    }
  }
}

/**
 * Whether one path starts with another, in O(n log n): sorted, a path lies between a prefix of it and itself, so
 * some neighbouring pair shows any overlap. Only then are all pairs compared (quadratic, for every diagnostic in
 * table order): a 500-table pipeline has 125,000 pairs.
 */
function anyPrefixOfAnother(paths: readonly string[]): boolean {
  const sorted = [...paths].sort();
  return sorted.some((path, i) => i > 0 && path.startsWith(sorted[i - 1] as string));
}

/** A table loaded by the Lambda COPY loader needs the `lambda:` block whose template deploys that function. */
function checkLoaderFunction(
  metadata: LoadedMetadata,
  tables: readonly TableModel[],
  diagnostics: Diagnostic[],
): void {
  const expected =
    'expected an enabled lambda: block in pipeline.yaml (its generated template deploys the loader function) or loader: snowpipe';
  const { doc, source } = metadata.pipeline;
  if (doc.defaults?.loader === 'lambda')
    diagnostics.push(source.at('/defaults/loader', `found loader: lambda, ${expected}`));
  const byFile = new Map<string, TableModel>();
  for (const table of tables) if (!byFile.has(table.file)) byFile.set(table.file, table);
  for (const file of metadata.tables) {
    const table = byFile.get(file.source.file);
    if (table?.loader === 'lambda' && file.doc.loader === 'lambda')
      diagnostics.push(file.source.at('/loader', `found loader: lambda, ${expected}`));
  }
}

/** The stage URL (and so every table folder under it) must lie inside an allowed location. */
function checkAllowedLocations(
  doc: PipelineDoc,
  dataUrl: string,
  report: (p: string, m: string) => void,
): void {
  const allowed = doc.snowflake.storage_integration.allowed_locations;
  if (allowed.some((location) => location === '*' || dataUrl.startsWith(location))) return;
  report(
    '/snowflake/storage_integration/allowed_locations',
    `found no location containing the stage URL ${dataUrl}, expected one of ${allowed.join(', ')} to be a prefix of it`,
  );
}
