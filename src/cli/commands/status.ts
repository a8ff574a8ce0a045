/**
 * `snowstage status`: per table, the extractor's progress (state in S3, or --state-dir) and, when Snowflake
 * credentials are in the environment, pipe status, recent loads and MERGE task runs. Exit 1 on any problem, so
 * it can gate a deploy or run as a cron health check.
 */
import { resolve } from 'node:path';
import { LocalObjectStore } from '../../extract/local-store.js';
import { S3ObjectStore, s3ClientFromEnv } from '../../extract/s3-store.js';
import type { ObjectStore } from '../../extract/store.js';
import type { PipelineModel } from '../../model/types.js';
import { connectSnowflake, type SnowflakeConnectionOptions, type SqlClient } from '../../snowflake/client.js';
import { connectFailureText, connectionDefaults, describeConnection } from '../../snowflake/connection.js';
import { snowflakeOptionsFromEnv } from '../../snowflake/env.js';
import { mapConcurrently, readExtractorStatus, readSnowflakeStatuses } from '../../status/collect.js';
import { buildReport, type TableReading } from '../../status/evaluate.js';
import { formatJson, formatTerminal } from '../../status/format.js';
import type { Check, ExtractorStatus, SnowflakeAccess, SnowflakeTableStatus } from '../../status/types.js';
import { type CliIo, EXIT } from '../io.js';
import { loadOrReport, type MetadataOptions } from './metadata-options.js';

export interface StatusOptions extends MetadataOptions {
  readonly json: boolean;
  readonly stateDir?: string;
}

export interface StatusDeps {
  readonly connect: (options: SnowflakeConnectionOptions) => Promise<SqlClient>;
  readonly now: () => Date;
}

/** tables whose state and lease are read from the store at once */
const STATE_READS_AT_ONCE = 16;

const DEFAULT_DEPS: StatusDeps = { connect: connectSnowflake, now: () => new Date() };

/** Any of these set means the user meant Snowflake to be checked; none set means "extractor side only". */
const SNOWFLAKE_CREDENTIAL_VARIABLES = [
  'SNOWFLAKE_ACCOUNT',
  'SNOWFLAKE_USER',
  'SNOWFLAKE_PASSWORD',
  'SNOWFLAKE_PRIVATE_KEY',
  'SNOWFLAKE_PRIVATE_KEY_PATH',
];

export async function statusCommand(
  io: CliIo,
  options: StatusOptions,
  deps: Partial<StatusDeps> = {},
): Promise<number> {
  const { connect, now } = { ...DEFAULT_DEPS, ...deps };
  const model = await loadOrReport(io, options);
  if (typeof model === 'number') return model;
  const { store, close } = stateStore(io, model, options);
  let extractor: Check<ExtractorStatus>[];
  const checkedAt = now();
  try {
    // two small reads per table (state, lease): several tables at once
    extractor = await mapConcurrently(model.tables, STATE_READS_AT_ONCE, (table) =>
      readExtractorStatus(store, model, table, checkedAt),
    );
  } finally {
    close();
  }
  const { access, snowflake } = await readSnowflake(io, model, connect, checkedAt.getTime());
  const tables: TableReading[] = model.tables.map((table, i) => ({
    table: table.name,
    limits: {
      maxExtractAgeMinutes: table.maxExtractAgeMinutes,
      maxMergeLagMinutes: table.maxMergeLagMinutes,
      streamStaleWithinHours: model.alerts.streamStaleWithinHours,
    },
    extractor: extractor[i] ?? { ok: false, error: 'not read' },
    snowflake: snowflake?.[i] ?? null,
  }));
  const report = buildReport({
    pipeline: model.name,
    checkedAt: checkedAt.toISOString(),
    stateStore: store.description,
    snowflake: access,
    tables,
  });
  io.stdout.write(options.json ? formatJson(report) : formatTerminal(report));
  return report.healthy ? EXIT.ok : EXIT.problems;
}

function stateStore(
  io: CliIo,
  model: PipelineModel,
  options: StatusOptions,
): { store: ObjectStore; close: () => void } {
  if (options.stateDir !== undefined) {
    return { store: new LocalObjectStore(resolve(io.cwd, options.stateDir)), close: () => {} };
  }
  const client = s3ClientFromEnv(io.env, model.s3.region);
  return { store: new S3ObjectStore(client, model.s3.bucket), close: () => client.destroy() };
}

async function readSnowflake(
  io: CliIo,
  model: PipelineModel,
  connect: StatusDeps['connect'],
  nowMs: number,
): Promise<{ access: SnowflakeAccess; snowflake: SnowflakeTableStatus[] | undefined }> {
  const settings = snowflakeOptionsFromEnv(io.env, connectionDefaults(model));
  if (settings.options === undefined) {
    const configured = SNOWFLAKE_CREDENTIAL_VARIABLES.some((name) => (io.env[name] ?? '').trim() !== '');
    const reason = settings.problems.join('; ');
    const access: SnowflakeAccess = configured
      ? { state: 'failed', error: reason }
      : { state: 'not_configured', reason: `no Snowflake credentials in the environment: ${reason}` };
    return { access, snowflake: undefined };
  }
  let client: SqlClient;
  io.stderr.write(`connecting to Snowflake: ${describeConnection(settings.options)}\n`);
  try {
    client = await connect(settings.options);
  } catch (error) {
    return {
      access: { state: 'failed', error: connectFailureText(error, settings.options) },
      snowflake: undefined,
    };
  }
  try {
    const snowflake = await readSnowflakeStatuses(client, model, model.tables, nowMs);
    return { access: { state: 'checked', connection: describeConnection(settings.options) }, snowflake };
  } finally {
    await client.close();
  }
}
