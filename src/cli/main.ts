/**
 * The snowstage command line. `main` takes its streams and environment and returns an exit code, so tests run
 * it in-process; bin/snowstage.js is the only caller that touches `process`.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { MAX_LEASE_TTL_MS } from '../extract/lease.js';
import { DEFAULT_STALE_LOCK_MS } from '../extract/run-types.js';
import { DEFAULT_SESSION_LIMITS } from '../extract/session.js';
import { registerApplyCommand } from './commands/apply-command.js';
import type { ExtractOptions } from './commands/extract.js';
import type { IntrospectOptions } from './commands/introspect.js';
import { registerPlanCommand } from './commands/plan-command.js';
import { registerStatusCommand } from './commands/status-command.js';
import { CliError, type CliIo, EXIT, METADATA_HELP } from './io.js';

// Commands are imported when they run: each pulls in its own dependencies (the AWS SDK, mysql2, handlebars,
// snowflake-sdk), and a scheduled extract should not load the generator's or apply's.

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; every other parse failure is a usage error.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof CliError) {
      io.stderr.write(`snowstage: ${error.message}\n`);
      return error.exitCode;
    }
    io.stderr.write(
      `snowstage: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return EXIT.problems;
  }
  return exitCode;
}

function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('snowstage')
    .description(
      'Move MySQL data into Snowflake through an external S3 stage: generate reviewable SQL, apply it, extract incrementally.',
    )
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .version(packageVersion(), '-V, --version', 'print the snowstage version')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Examples:
  $ snowstage introspect --write            table files from the MySQL database in pipeline.yaml
  $ snowstage validate                      check metadata/ and print every problem
  $ snowstage generate                      write generated/<pipeline>/ from metadata/
  $ snowstage generate --check              fail (exit 1) with a diff when generated/ is stale
  $ snowstage extract                       copy new and changed rows of every table to S3
  $ snowstage plan                          what apply would change in the account (exit 3 when anything)
  $ snowstage apply --dry-run               print every statement apply would run, with file:line
  $ snowstage status --json                 extractor state, pipe status, copy and task history

Exit codes: 0 ok, 1 problems found (invalid metadata, stale output), 2 usage error, 3 plan found changes.`,
    );

  program
    .command('validate')
    .description('Check metadata only: schema, names, keys, cursors, types, S3 paths, schedules.')
    .addOption(new Option('-m, --metadata <dir>', METADATA_HELP).default('metadata'))
    .addHelpText(
      'after',
      `
Examples:
  $ snowstage validate
  $ snowstage validate --metadata pipelines/shop/metadata`,
    )
    .action(async (options: { metadata: string }) => {
      const { validateCommand } = await import('./commands/validate.js');
      setExit(await validateCommand(io, options));
    });

  program
    .command('generate')
    .description('Render the Snowflake SQL and AWS policy files into generated/<pipeline>/ in apply order.')
    .addOption(new Option('-m, --metadata <dir>', METADATA_HELP).default('metadata'))
    .addOption(new Option('-o, --out <dir>', 'output directory').default('generated'))
    .option('--check', 'write nothing; print a unified diff and exit 1 when the output is stale', false)
    .option(
      '--drop-tables',
      'when a table was removed from the metadata, its migration also drops its landing and target tables',
      false,
    )
    .addHelpText(
      'after',
      `
Examples:
  $ snowstage generate
  $ snowstage generate --check             # in CI, on every pull request
  $ snowstage generate -m metadata -o generated
  $ snowstage generate --drop-tables       # a removed table's migration drops its tables too

Prints what changed in the model (tables and columns added, removed, retyped) and what covers each change.
Changes a normal apply cannot make become numbered files in migrations/, run only by
\`snowstage apply --migration <name>\`.`,
    )
    .action(async (options: { metadata: string; out: string; check: boolean; dropTables: boolean }) => {
      const { generateCommand } = await import('./commands/generate.js');
      setExit(await generateCommand(io, options));
    });
  program
    .command('extract')
    .description(
      'Copy new and changed MySQL rows of each table to S3 as gzip CSV files that the generated pipes load. Runs once and exits, or stays up with --schedule.',
    )
    .addOption(new Option('-m, --metadata <dir>', METADATA_HELP).default('metadata'))
    .addOption(new Option('-t, --table <name...>', 'only these tables').default([], 'all'))
    .option('--schedule <cron>', 'stay up and run on this cron schedule (SIGTERM/SIGINT stop cleanly)')
    .option(
      '--state-dir <dir>',
      'keep extractor state, manifests and leases in a local directory instead of S3',
    )
    .addOption(
      new Option('--file-size-mb <n>', 'compressed size at which a file is closed')
        .default(128)
        .argParser(positive),
    )
    .addOption(new Option('--chunk-rows <n>', 'rows per MySQL query').default(50_000).argParser(positive))
    .addOption(
      new Option(
        '--backfill-connections <n>',
        'MySQL connections that read a new backfill at once, each over its own key range (single-column integer keys)',
      )
        .default(2)
        .argParser(positive),
    )
    .addOption(
      new Option('--concurrency <n>', 'tables extracted at once (started in order; each under its own lease)')
        .default(8)
        .argParser(wholeNumber(1)),
    )
    .addOption(
      new Option(
        '--max-connections <n>',
        'MySQL connections the run holds at most, over all tables and backfill ranges (a table waits for its first; extra backfill ranges use only free ones)',
      )
        .default(8)
        .argParser(wholeNumber(1)),
    )
    .addOption(new Option('--gzip-level <n>', 'gzip level 1-9').default(1).argParser(positive))
    .addOption(
      new Option('--lease-ttl-seconds <n>', 'how long a table lease lasts without renewal (at most 3600)')
        .default(300)
        .argParser(atMost(MAX_LEASE_TTL_MS / 1000)),
    )
    .addOption(
      new Option(
        '--stale-lock-minutes <n>',
        'a table locked by a run that has held it longer than this fails the run (exit 1): that run may be stuck',
      )
        .default(DEFAULT_STALE_LOCK_MS / 60_000)
        .argParser(positive),
    )
    .option('--owner <name>', 'lease owner shown to other extractors (default: host:pid)')
    .addOption(
      new Option('-o, --out <dir>', 'generated directory checked to be current before extracting').default(
        'generated',
      ),
    )
    .option('--allow-stale-generated', 'extract even when generated/ is stale for these tables')
    .addOption(
      new Option(
        '--mysql-lock-wait-seconds <n>',
        'how long a MySQL statement may wait for a table lock (lock_wait_timeout) before the table fails',
      )
        .default(DEFAULT_SESSION_LIMITS.lockWaitTimeoutSeconds)
        .argParser(wholeNumber(1)),
    )
    .addOption(
      new Option(
        '--mysql-statement-timeout-seconds <n>',
        'how long one MySQL statement may run (MariaDB max_statement_time, MySQL max_execution_time); 0 = no limit',
      )
        .default(DEFAULT_SESSION_LIMITS.statementTimeoutSeconds)
        .argParser(wholeNumber(0)),
    )
    .option(
      '--backfill',
      're-read the whole table in key order (resumable), e.g. after adding a column to the metadata; the MERGE absorbs rows it already has',
      false,
    )
    .option(
      '--key-snapshot',
      'after the incremental run, take a key snapshot of the tables with delete_detection now, whatever their every_minutes',
      false,
    )
    .addHelpText(
      'after',
      `
Examples:
  $ snowstage extract                                  # every table once (cron, Kubernetes CronJob, Airflow)
  $ snowstage extract --table books                    # one table
  $ snowstage extract --concurrency 16 --max-connections 16   # many small tables: more at once
  $ snowstage extract --schedule "*/5 * * * *"         # a worker that runs every 5 minutes
  $ snowstage extract --table books --backfill         # re-read books, e.g. after adding a column
  $ AWS_ENDPOINT_URL_S3=http://127.0.0.1:9000 snowstage extract --state-dir .snowstage-state

MySQL settings and S3 bucket come from the metadata (and the environment variables it references); AWS credentials
and region from the standard AWS SDK chain (AWS_PROFILE, AWS_ACCESS_KEY_ID, AWS_REGION, AWS_ENDPOINT_URL_S3, ...).
On a terminal a progress line per table; otherwise JSON log lines. Exit 1 when any table failed.`,
    )
    .action(async (options: ExtractOptions) => {
      const { extractCommand } = await import('./commands/extract.js');
      setExit(await extractCommand(io, options));
    });
  registerPlanCommand(program, io, setExit);
  program
    .command('introspect')
    .description(
      "Suggest table metadata from MySQL's information_schema: columns and types, a key MySQL enforces as unique, a cursor, a soft-delete column.",
    )
    .addOption(new Option('-m, --metadata <dir>', METADATA_HELP).default('metadata'))
    .addOption(new Option('-t, --table <name...>', 'only these MySQL tables').default([], 'all'))
    .option('--write', 'create missing table files and update existing ones in place (columns only)', false)
    .option('--check', 'write nothing; exit 1 when MySQL changed since the table files were written', false)
    .addHelpText(
      'after',
      `
Examples:
  $ snowstage introspect --table books       # print suggested YAML with the reason for each choice
  $ snowstage introspect --write             # create tables/<name>.yaml for every table, update the others
  $ snowstage introspect --check             # in CI: exit 1 on columns added, dropped or retyped in MySQL

Only pipeline.yaml (its source: connection) is needed. Existing files keep what was written by hand (overrides,
target names, schedules, comments); only their columns follow MySQL.`,
    )
    .action(async (options: IntrospectOptions) => {
      const { introspectCommand } = await import('./commands/introspect.js');
      setExit(await introspectCommand(io, options));
    });
  registerApplyCommand(program, io, setExit);
  registerStatusCommand(program, io, setExit);
  return program;
}

/** From package.json, two levels up from both src/cli/ and dist/cli/. */
function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

function wholeNumber(minimum: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < minimum) {
      throw new InvalidArgumentError(`expected a whole number ≥ ${minimum}`);
    }
    return n;
  };
}

function atMost(maximum: number): (value: string) => number {
  return (value) => {
    const n = positive(value);
    if (n > maximum) throw new InvalidArgumentError(`expected a positive number up to ${maximum}`);
    return n;
  };
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}
