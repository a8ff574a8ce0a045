/** `snowstage plan`: options and help; the command itself is loaded only when it runs. */
import { type Command, Option } from 'commander';
import { type CliIo, METADATA_HELP } from '../io.js';
import type { PlanDeps, PlanOptions } from './plan.js';

export function registerPlanCommand(
  program: Command,
  io: CliIo,
  setExit: (code: number) => void,
  deps: Partial<PlanDeps> = {},
): void {
  program
    .command('plan')
    .description(
      "Read the pipeline's objects in Snowflake and print what apply would change: objects to create, columns to add, retyped columns, pipes whose COPY differs, suspended tasks, and snowstage objects no longer generated.",
    )
    .addOption(new Option('-m, --metadata <dir>', METADATA_HELP).default('metadata'))
    .addOption(
      new Option(
        '-o, --out <dir>',
        'generated directory, read for the committed migrations that resolve a change (recreate a pipe, retype a column, retire a table)',
      ).default('generated'),
    )
    .option('--json', 'print one JSON document (summary and every change) instead of text', false)
    .addHelpText(
      'after',
      `
Examples:
  $ snowstage plan                                  # before apply: what would it do?
  $ snowstage plan --json | jq '.summary'           # for scripts
  $ snowstage plan; [ $? -eq 3 ] && echo "changes pending"

Compares the metadata (what generate renders, not the committed generated/) with SHOW SCHEMAS / TABLES / COLUMNS / FILE FORMATS / STAGES /
STREAMS / PIPES / TASKS / VIEWS in the pipeline's raw and target schemas, read with the role apply uses. Each change
says who resolves it: apply (create, add a column, alter or resume a task, set an error integration), a migration
(a pipe's COPY, a stage move, and any change a committed migration makes, named), or you (a retyped or extra column,
a stale stream, an orphan). The storage integration and grants are the administrator's (apply --grants) and are
not read. Pipes and tasks are visible only with OWNERSHIP, MONITOR or OPERATE on them: without it they look absent
and plan lists them to create.

Snowflake connection as for apply: SNOWFLAKE_ACCOUNT, SNOWFLAKE_USER, SNOWFLAKE_PRIVATE_KEY_PATH /
SNOWFLAKE_PRIVATE_KEY / SNOWFLAKE_PASSWORD, SNOWFLAKE_ROLE, SNOWFLAKE_ACCESS_URL; SNOWFLAKE_CONNECT_TIMEOUT_SECONDS
(default 30) bounds the login.
Exit codes: 0 no changes; 3 changes (anything listed); 1 error (invalid metadata, no connection, a SHOW failed);
2 usage error.`,
    )
    .action(async (options: PlanOptions) => {
      // loaded on use: the other commands do not pay for this one's dependencies
      const { planCommand } = await import('./plan.js');
      setExit(await planCommand(io, options, deps));
    });
}
