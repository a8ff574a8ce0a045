/**
 * `snowstage plan`: reads the pipeline's objects from the account (SHOW, with apply's role) and prints what apply
 * would change, object by object. Exit 0 when nothing differs, 3 when something does, 1 on any error; 2 stays the
 * CLI's usage error, so a mistyped option never reads as "changes pending".
 */
import { join, resolve } from 'node:path';
import { readTree } from '../../generated/tree.js';
import type { PipelineModel } from '../../model/types.js';
import { type MigrationFiles, planChanges } from '../../plan/diff.js';
import { formatPlanJson, formatPlanText } from '../../plan/format.js';
import { LiveReadError, readLiveState } from '../../plan/read-live.js';
import type { LiveState } from '../../plan/types.js';
import { wantedState } from '../../plan/wanted.js';
import { loadTemplates } from '../../render/render.js';
import { connectSnowflake, type SnowflakeConnectionOptions, type SqlClient } from '../../snowflake/client.js';
import { connectFailureText, connectionDefaults, describeConnection } from '../../snowflake/connection.js';
import { snowflakeOptionsFromEnv } from '../../snowflake/env.js';
import { type CliIo, EXIT } from '../io.js';
import { loadOrReport, type MetadataOptions } from './metadata-options.js';

/** Something differs between the account and the metadata (terraform's -detailed-exitcode uses 2, our usage code). */
export const EXIT_CHANGES = 3;

export interface PlanOptions extends MetadataOptions {
  readonly json: boolean;
  /** generated directory, read only for its migrations/ */
  readonly out: string;
}

export interface PlanDeps {
  readonly connect: (options: SnowflakeConnectionOptions) => Promise<SqlClient>;
}

const DEFAULT_DEPS: PlanDeps = { connect: connectSnowflake };

export async function planCommand(
  io: CliIo,
  options: PlanOptions,
  deps: Partial<PlanDeps> = {},
): Promise<number> {
  const { connect } = { ...DEFAULT_DEPS, ...deps };
  const model = await loadOrReport(io, options);
  if (typeof model === 'number') return model;
  const wanted = wantedState(model, loadTemplates());
  const settings = snowflakeOptionsFromEnv(io.env, connectionDefaults(model));
  if (settings.options === undefined) {
    io.stderr.write(`${settings.problems.join('\n')}\nnothing was read\n`);
    return EXIT.problems;
  }
  io.stderr.write(`connecting to Snowflake: ${describeConnection(settings.options)}\n`);
  let client: SqlClient;
  try {
    client = await connect(settings.options);
  } catch (error) {
    io.stderr.write(`${connectFailureText(error, settings.options)}\nnothing was read\n`);
    return EXIT.problems;
  }
  let live: LiveState;
  try {
    live = await readLiveState(client, wanted);
  } catch (error) {
    if (!(error instanceof LiveReadError)) throw error;
    io.stderr.write(readFailureText(error, model, settings.options));
    return EXIT.problems;
  } finally {
    await client.close();
  }
  const migrations = await committedMigrations(io, options.out, model.name);
  const result = { pipeline: model.name, changes: planChanges(wanted, live, migrations) };
  io.stdout.write(options.json ? formatPlanJson(result) : formatPlanText(result));
  return result.changes.length === 0 ? EXIT.ok : EXIT_CHANGES;
}

/** migrations/ of the committed tree; none when generated/ is absent (plan needs only the metadata). */
async function committedMigrations(io: CliIo, out: string, pipeline: string): Promise<MigrationFiles> {
  const displayDir = `${join(out, pipeline, 'migrations')}/`;
  try {
    const tree = await readTree(resolve(io.cwd, out, pipeline));
    return { displayDir, files: new Map([...tree].filter(([path]) => path.startsWith('migrations/'))) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { displayDir, files: new Map() };
    throw error;
  }
}

function readFailureText(
  error: LiveReadError,
  model: PipelineModel,
  options: SnowflakeConnectionOptions,
): string {
  const role = options.role === undefined ? "the user's default role" : `role ${options.role}`;
  const hint = error.statement.startsWith('SHOW SCHEMAS')
    ? `check that database ${model.snowflake.database} exists and that ${role} can see it (SNOWFLAKE_ROLE)`
    : `check that ${role} may read the pipeline's schemas (SNOWFLAKE_ROLE)`;
  return `could not read the account: ${error.message}\n${hint}\n`;
}
