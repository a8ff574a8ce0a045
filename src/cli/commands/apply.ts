/**
 * `snowstage apply`: run the reviewed SQL of generated/<pipeline>/ against Snowflake, statement by statement, then
 * wire the bucket's event notifications to the pipes. With --grants: run only the administrator file (integration and
 * grants), then print the IAM trust policy.
 *
 * Order of refusals, cheapest first: invalid metadata, stale generated/ (what would run is not what was reviewed
 * against this metadata), unsplittable files, missing connection settings. A dry run stops before connecting.
 */
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { wantedNotifications } from '../../aws/notifications.js';
import { syncBucketNotifications } from '../../aws/s3-notifications-client.js';
import { s3ClientFromEnv } from '../../extract/s3-store.js';
import { withMigrations } from '../../generated/migrations.js';
import { diffTree, readTree, type TreeChange } from '../../generated/tree.js';
import { keySnapshotNotification } from '../../model/key-snapshot-pipes.js';
import { hasPipe, type PipelineModel } from '../../model/types.js';
import { loadTemplates, render } from '../../render/render.js';
import {
  type ApplyPlan,
  type ApplyResult,
  DEFAULT_PARALLEL,
  executePlan,
  nothingRun,
  planApply,
} from '../../snowflake/apply.js';
import {
  formatMigrations,
  formatOutcomeLine,
  formatPlan,
  formatPlanProblems,
  formatResult,
  formatStop,
  resultJson,
} from '../../snowflake/apply-report.js';
import { connectSnowflake, type SnowflakeConnectionOptions, type SqlClient } from '../../snowflake/client.js';
import { connectFailureText, connectionDefaults, describeConnection } from '../../snowflake/connection.js';
import { snowflakeOptionsFromEnv } from '../../snowflake/env.js';
import {
  formatNotificationChanges,
  formatTrustPolicy,
  readIntegration,
  readPipeChannels,
  TRUST_POLICY_FILE,
} from '../../snowflake/post-apply.js';
import { CliError, type CliIo, EXIT } from '../io.js';
import { loadOrReport, type MetadataOptions } from './metadata-options.js';
import { pipelineTreeDir } from './tree-dir.js';

export interface ApplyOptions extends MetadataOptions {
  readonly out: string;
  readonly dryRun: boolean;
  readonly pipeline?: string;
  /** false with --no-notifications */
  readonly notifications: boolean;
  /** run only this migration */
  readonly migration?: string;
  /** the result as JSON on stdout, the human log on stderr */
  readonly json?: boolean;
  /** run only the administrator file (integration and grants), as an administrator role */
  readonly grants?: boolean;
  /** run only maintenance/purge_tombstones.sql */
  readonly purgeTombstones?: boolean;
  /** tables applied at the same time (default DEFAULT_PARALLEL; 1: one statement after another) */
  readonly parallel?: number;
}

/** The role `apply --grants` connects as unless SNOWFLAKE_ROLE names another: it holds every privilege granted. */
export const ADMIN_ROLE = 'ACCOUNTADMIN';

/** The two connections apply makes; tests replace them, the CLI uses the real ones. */
export interface ApplyDeps {
  readonly connect: (options: SnowflakeConnectionOptions) => Promise<SqlClient>;
  readonly s3Client: (env: CliIo['env'], region: string) => S3Client;
}

const DEFAULT_DEPS: ApplyDeps = { connect: connectSnowflake, s3Client: s3ClientFromEnv };

export async function applyCommand(
  cliIo: CliIo,
  options: ApplyOptions,
  deps: Partial<ApplyDeps> = {},
): Promise<number> {
  const { connect, s3Client } = { ...DEFAULT_DEPS, ...deps };
  // With --json, stdout carries only the JSON document; everything a person reads moves to stderr.
  const io: CliIo = options.json ? { ...cliIo, stdout: cliIo.stderr } : cliIo;
  const report = (result: ApplyResult, displayDir: string, code: number): number => {
    if (options.json) cliIo.stdout.write(resultJson(result, displayDir, code));
    return code;
  };
  const model = await loadOrReport(io, options);
  if (typeof model === 'number') return model;
  if (options.pipeline !== undefined && options.pipeline !== model.name) {
    throw new CliError(
      `--pipeline ${options.pipeline}: ${options.metadata} describes pipeline ${model.name}; nothing was run`,
      EXIT.usage,
    );
  }
  if (options.grants === true && options.migration !== undefined) {
    throw new CliError(
      '--grants and --migration run different files; give one of them. Nothing was run',
      EXIT.usage,
    );
  }
  const displayDir = join(options.out, model.name);
  const committed = await readTree(await pipelineTreeDir(io, options.out, model.name));
  const templates = loadTemplates();
  const expected = withMigrations(model, committed, render(model, templates), templates);
  const stale = diffTree(committed, expected.files);
  if (stale.length > 0 || expected.problems.length > 0) {
    io.stderr.write(staleMessage(displayDir, options.metadata, stale));
    return EXIT.problems;
  }
  const chosen = [options.grants === true, options.migration !== undefined, options.purgeTombstones === true];
  if (chosen.filter(Boolean).length > 1) {
    throw new CliError(
      '--grants, --migration and --purge-tombstones run one thing each: give one of them. Nothing was run',
      EXIT.usage,
    );
  }
  const plan = planApply(committed, {
    ...(options.grants === true ? { grants: true } : {}),
    ...(options.migration === undefined ? {} : { migration: options.migration }),
    ...(options.purgeTombstones ? { purgeTombstones: true } : {}),
  });
  if (plan.problems.length > 0) {
    io.stderr.write(formatPlanProblems(plan.problems, displayDir));
    return EXIT.problems;
  }
  const defaults = connectionDefaults(model);
  const connection = snowflakeOptionsFromEnv(
    io.env,
    options.grants === true ? { ...defaults, role: ADMIN_ROLE } : defaults,
  );
  if (options.dryRun) {
    io.stdout.write(dryRunText(plan, displayDir, model, options, connection.options));
    if (options.migration === undefined) io.stdout.write(formatMigrations(committed));
    return EXIT.ok;
  }
  if (connection.options === undefined) {
    io.stderr.write(`${connection.problems.join('\n')}\nnothing was run\n`);
    return EXIT.problems;
  }
  const context: RunContext = { io, model, plan, displayDir, committed, options, s3Client };
  let client: SqlClient;
  io.stderr.write(`connecting to Snowflake: ${describeConnection(connection.options)}\n`);
  try {
    client = await connect(connection.options);
  } catch (error) {
    io.stdout.write(formatResult(nothingRun(plan), displayDir));
    io.stderr.write(`${connectFailureText(error, connection.options)}\nnothing was run\n`);
    return report(nothingRun(plan), displayDir, EXIT.problems);
  }
  try {
    const { result, code } = await runAndFollowUp(context, client, connection.options);
    return report(result, displayDir, code);
  } finally {
    await client.close();
  }
}

interface RunContext {
  readonly io: CliIo;
  readonly model: PipelineModel;
  readonly plan: ApplyPlan;
  readonly displayDir: string;
  readonly committed: ReadonlyMap<string, string>;
  readonly options: ApplyOptions;
  readonly s3Client: ApplyDeps['s3Client'];
}

async function runAndFollowUp(
  context: RunContext,
  client: SqlClient,
  connection: SnowflakeConnectionOptions,
): Promise<{ result: ApplyResult; code: number }> {
  const { io, plan, displayDir } = context;
  const total = plan.statements.length;
  const parallel = context.options.parallel ?? DEFAULT_PARALLEL;
  io.stdout.write(
    `applying ${total} statements from ${displayDir} as ${describeConnection(connection)}, ${parallelText(parallel)}\n`,
  );
  const result = await executePlan(
    plan,
    client,
    (outcome) => io.stdout.write(formatOutcomeLine(outcome, displayDir, total)),
    { parallel },
  );
  io.stdout.write(formatResult(result, displayDir));
  if (!result.ok) {
    io.stderr.write(formatStop(result, displayDir));
    return { result, code: EXIT.problems };
  }
  // a purge changes target rows only: the integration and the notifications are not its business
  if (context.options.purgeTombstones) return { result, code: EXIT.ok };
  // The administrator run owns the integration, so it reads the trust policy; the pipeline role's runs wire the
  // bucket notifications to the pipes it owns.
  const problems =
    context.options.grants === true
      ? await printTrustPolicy(context, client)
      : await configureNotifications(context, client);
  if (problems.length > 0) {
    io.stderr.write(`${problems.join('\n')}\n`);
    return { result, code: EXIT.problems };
  }
  return { result, code: EXIT.ok };
}

function parallelText(parallel: number): string {
  return parallel === 1 ? 'one statement at a time' : `up to ${parallel} tables at a time`;
}

async function printTrustPolicy(context: RunContext, client: SqlClient): Promise<string[]> {
  const { io, model, committed, displayDir } = context;
  const identity = await readIntegration(client, model);
  if (!identity.ok) return [`could not read the integration's AWS identity: ${identity.problem}`];
  io.stdout.write(formatTrustPolicy(model, identity.value, committed.get(TRUST_POLICY_FILE), displayDir));
  return [];
}

async function configureNotifications(context: RunContext, client: SqlClient): Promise<string[]> {
  const { io, model, options } = context;
  if (!options.notifications) {
    io.stdout.write('\nS3 event notifications: skipped (--no-notifications)\n');
    return [];
  }
  const { channels, problems } = await readPipeChannels(client, model);
  if (problems.length > 0) {
    return [...problems, 'S3 event notifications were not changed: every pipe needs a notification channel'];
  }
  const s3 = context.s3Client(io.env, model.s3.region);
  try {
    const synced = await syncBucketNotifications(s3, model.s3.bucket, wantedNotifications(model, channels));
    if (!synced.ok) return [synced.message];
    io.stdout.write(formatNotificationChanges(model.s3.bucket, synced.changes, synced.written));
    return [];
  } catch (error) {
    if (httpStatusOf(error) === 501) return notImplementedHelp(model, channels, io.env);
    return [
      `could not configure the S3 event notifications of s3://${model.s3.bucket}: ${awsErrorText(error)}`,
    ];
  } finally {
    s3.destroy();
  }
}

/** Name and message only: SDK errors also carry request metadata we have no reason to print. */
function awsErrorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = httpStatusOf(error);
  return `${error.name}${status === undefined ? '' : ` (HTTP ${status})`}: ${error.message}`;
}

function httpStatusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/**
 * S3-compatible stores (MinIO, s3rver, some appliances) answer 501 to bucket notification calls. The Snowflake
 * objects are in place by now; what is missing is the wiring, which the user can do by hand.
 */
function notImplementedHelp(
  model: PipelineModel,
  channels: ReadonlyMap<string, string>,
  env: CliIo['env'],
): string[] {
  const endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL ?? 'the default AWS endpoint';
  return [
    `the S3 endpoint (${endpoint}) does not implement bucket notifications (HTTP 501 NotImplemented) for ` +
      `s3://${model.s3.bucket}. The Snowflake objects were applied; rerun with --no-notifications to skip this ` +
      'step, and wire each pipe by hand: an s3:ObjectCreated:* event notification for the prefix to the queue',
    ...notificationTargets(model).map(
      (n) => `  ${n.prefix} -> ${channels.get(n.name) ?? "(the pipe's notification_channel)"}`,
    ),
  ];
}

/** Each S3 prefix apply wires to a pipe's queue: a table's data folder, and its key snapshots' folder if any. */
function notificationTargets(model: PipelineModel): { name: string; prefix: string; pipes: string }[] {
  return model.tables.filter(hasPipe).flatMap((t) => [
    { name: t.name, prefix: t.dataKeyPrefix, pipes: `${t.name}'s pipe` },
    ...(t.deleteDetection
      ? [
          {
            name: keySnapshotNotification(t),
            prefix: t.keysKeyPrefix,
            pipes: `${t.name}'s key-snapshot pipes`,
          },
        ]
      : []),
  ]);
}

function staleMessage(displayDir: string, metadata: string, changes: readonly TreeChange[]): string {
  const files = changes.map((c) => `  ${c.kind.padEnd(7)} ${displayDir}/${c.path}`);
  return [
    `${displayDir} is stale: ${changes.length} file${changes.length === 1 ? '' : 's'} differ from ${metadata}:`,
    ...files,
    'apply runs only reviewed SQL that matches the metadata: run `snowstage generate`, review and commit the ' +
      'result, then apply. Nothing was run.',
    '',
  ].join('\n');
}

function dryRunText(
  plan: ApplyPlan,
  displayDir: string,
  model: PipelineModel,
  options: ApplyOptions,
  connection: SnowflakeConnectionOptions | undefined,
): string {
  const target =
    connection === undefined
      ? 'no Snowflake connection settings in the environment (a real run needs them)'
      : describeConnection(connection);
  const notifications = options.notifications
    ? `configure s3://${model.s3.bucket} event notifications: ${notificationTargets(model)
        .map((n) => `${n.prefix} -> ${n.pipes}`)
        .join(', ')}`
    : 'leave the bucket notifications alone (--no-notifications)';
  const then =
    options.grants === true
      ? ['then: DESC INTEGRATION and print the IAM trust policy']
      : ['then: DESC PIPE for each table and', `      ${notifications}`];
  return [
    `dry run: nothing is sent anywhere. A real run would connect as: ${target}`,
    formatPlan(plan, displayDir).trimEnd(),
    ...then,
    '',
  ].join('\n');
}
