/** `snowstage status`: options and help; the command itself is loaded only when it runs. */
import { type Command, Option } from 'commander';
import { type CliIo, METADATA_HELP } from '../io.js';
import type { StatusDeps, StatusOptions } from './status.js';

export function registerStatusCommand(
  program: Command,
  io: CliIo,
  setExit: (code: number) => void,
  deps: Partial<StatusDeps> = {},
): void {
  program
    .command('status')
    .description(
      'Per table: extractor progress and last attempt from S3 and, with Snowflake credentials, pipe status, task state, merge lag, stream staleness, recent loads and MERGE task runs.',
    )
    .addOption(new Option('-m, --metadata <dir>', METADATA_HELP).default('metadata'))
    .option('--json', 'print one JSON document instead of a table', false)
    .option(
      '--state-dir <dir>',
      'read extractor state from a local directory (as extract --state-dir) instead of S3',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ snowstage status                                # table on a terminal
  $ snowstage status --json | jq '.problems'        # for scripts and monitoring
  $ snowstage status --state-dir .snowstage-state   # extractor state kept locally

Extractor state is read from the pipeline's bucket (AWS credentials, region and AWS_ENDPOINT_URL_S3 from the
standard AWS SDK chain). Snowflake is checked when SNOWFLAKE_ACCOUNT, SNOWFLAKE_USER and a credential
(SNOWFLAKE_PRIVATE_KEY_PATH, SNOWFLAKE_PRIVATE_KEY or SNOWFLAKE_PASSWORD) are set; otherwise only the extractor
side is shown. SNOWFLAKE_ACCESS_URL replaces https://<account>.snowflakecomputing.com; SNOWFLAKE_CONNECT_TIMEOUT_SECONDS
(default 30) bounds the login. Loads and task runs cover the last 24 hours (the last hour separately).
Thresholds come from the metadata: max_extract_age_minutes and max_merge_lag_minutes (per table or in defaults)
and alerts.stream_stale_within_hours, the same the generated Snowflake alerts use.
Exit codes: 0 healthy; 1 a pipe is not RUNNING or reports an error, files failed to load, the last MERGE run
failed, the MERGE task is suspended, loaded rows wait longer than max_merge_lag_minutes, a stream is stale or
near it, the last extract failed, the last success is older than max_extract_age_minutes, the table was found
locked for longer than the lease TTL, or something could not be read; 2 usage error.`,
    )
    .action(async (options: StatusOptions) => {
      // loaded on use: the other commands do not pay for this one's dependencies
      const { statusCommand } = await import('./status.js');
      setExit(await statusCommand(io, options, deps));
    });
}
