/** `snowstage apply`: options and help; the command itself is loaded only when it runs. */
import { type Command, InvalidArgumentError, Option } from 'commander';
// a small module (the splitter and the error type; the driver loads only when apply connects)
import { DEFAULT_PARALLEL } from '../../snowflake/apply.js';
import { type CliIo, METADATA_HELP } from '../io.js';
import type { ApplyDeps, ApplyOptions } from './apply.js';

export function registerApplyCommand(
  program: Command,
  io: CliIo,
  setExit: (code: number) => void,
  deps: Partial<ApplyDeps> = {},
): void {
  program
    .command('apply')
    .description(
      'Run the reviewed SQL in generated/<pipeline>/ on Snowflake statement by statement, print the IAM trust policy and wire the S3 bucket notifications.',
    )
    .addOption(new Option('-m, --metadata <dir>', METADATA_HELP).default('metadata'))
    .addOption(new Option('-o, --out <dir>', 'generated directory (as for generate)').default('generated'))
    .option('--dry-run', 'print the plan through the same code path; connect to nothing', false)
    .option('--pipeline <name>', 'refuse to run unless the metadata describes this pipeline')
    .option('--no-notifications', 'leave the bucket notification configuration alone')
    .option(
      '--json',
      'print the result as JSON on stdout (every statement once); the log goes to stderr',
      false,
    )
    .option(
      '--grants',
      'run only admin/grants.sql (storage integration and grants) as an administrator role (ACCOUNTADMIN unless SNOWFLAKE_ROLE is set), then print the IAM trust policy',
      false,
    )
    .option(
      '--migration <name>',
      'run only this file of migrations/ (e.g. 001_recreate_pipe_books), never run otherwise',
    )
    .option(
      '--parallel <n>',
      `tables applied at the same time, each table's statements in order (default ${DEFAULT_PARALLEL}; 1: one statement after another)`,
      parallelCount,
    )
    .option(
      '--purge-tombstones',
      'run only maintenance/purge_tombstones.sql: delete tombstones (deleted rows) older than tombstone_retention_days',
      false,
    )
    .addHelpText(
      'after',
      `
Examples:
  $ snowstage apply --grants                       # administrator: integration and grants, then the trust policy
  $ snowstage apply --dry-run                      # print every statement with file:line; no connection
  $ snowstage apply                                # run it as the pipeline role, wire the bucket notifications
  $ snowstage apply --pipeline bookstore --no-notifications
  $ snowstage apply --parallel 1                   # one statement after another, in path order
  $ snowstage apply --migration 001_recreate_pipe_books   # a reviewed pipe migration, deliberately
  $ snowstage apply --purge-tombstones             # delete tombstones past their retention (never automatic)

Refuses to run when generated/ is stale against the metadata (run \`snowstage generate\` and commit first).
Runs the pipeline's objects first, then the tables (several at a time, each table's statements in order), then
the monitoring views. Stops at the first failing statement: no new table starts and running ones stop after their
current statement; reports its Snowflake code, SQL state and file:line, and lists what was not run, in path order.
Statements are idempotent, so fix the cause and run it again.

Snowflake connection from the environment: SNOWFLAKE_ACCOUNT, SNOWFLAKE_USER and one of
SNOWFLAKE_PRIVATE_KEY_PATH / SNOWFLAKE_PRIVATE_KEY (PEM, with SNOWFLAKE_PRIVATE_KEY_PASSPHRASE if encrypted) or
SNOWFLAKE_PASSWORD; SNOWFLAKE_ROLE, SNOWFLAKE_WAREHOUSE and SNOWFLAKE_DATABASE override the metadata's.
SNOWFLAKE_ACCESS_URL replaces https://<account>.snowflakecomputing.com (private link, a proxy, a local test
endpoint); SNOWFLAKE_CONNECT_TIMEOUT_SECONDS (default 30) bounds the login. AWS
credentials and region from the standard AWS SDK chain (AWS_PROFILE, AWS_ACCESS_KEY_ID, AWS_REGION, ...).
Exit codes: 0 applied, 1 failed or refused, 2 usage error.`,
    )
    .action(async (options: ApplyOptions) => {
      // loaded on use: the other commands do not pay for this one's dependencies
      const { applyCommand } = await import('./apply.js');
      setExit(await applyCommand(io, options, deps));
    });
}

const MAX_PARALLEL = 64;

function parallelCount(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1 || n > MAX_PARALLEL) {
    throw new InvalidArgumentError(`expected a whole number from 1 to ${MAX_PARALLEL}`);
  }
  return n;
}
