/**
 * `apply`'s core: which committed statements run, in which order (a pure plan), and the one loop that runs them
 * through a `SqlClient`, one statement per execute (several tables at a time), stopping at the first failure. Dry
 * runs use the same plan, so what `--dry-run` prints is exactly what a real run would send.
 */
import { splitStatements } from '../sql/split.js';
import { SnowflakeError, type SnowflakeErrorKind, type SqlClient } from './client.js';

/**
 * Folders of generated/<pipeline>/ that hold SQL to apply, in apply order. Anything else (aws/ policy documents,
 * hand-written migrations/, the maintenance/ purge) is never run by a plain `apply`: a migration or a purge needs a
 * human decision, not a rerun.
 */
export const APPLIED_FOLDERS = ['1_pipeline/', '2_tables/', '3_monitoring/'] as const;

/** Run only by `apply --purge-tombstones`: deletes tombstones older than each table's retention. */
export const PURGE_TOMBSTONES_FILE = 'maintenance/purge_tombstones.sql';

export interface PlannedStatement {
  /** 1-based position in the plan */
  readonly index: number;
  /** path relative to generated/<pipeline>/, forward slashes */
  readonly file: string;
  /** 1-based line and column of the statement's first significant character */
  readonly line: number;
  readonly column: number;
  readonly text: string;
}

/** A file that cannot be split as written (e.g. an unterminated string): nothing is run. */
export interface PlanProblem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export interface ApplyPlan {
  /** applied files in apply order (a file may hold no statement) */
  readonly files: readonly string[];
  readonly statements: readonly PlannedStatement[];
  readonly problems: readonly PlanProblem[];
}

export function isAppliedFile(path: string): boolean {
  return path.endsWith('.sql') && APPLIED_FOLDERS.some((folder) => path.startsWith(folder));
}

/**
 * The administrator file: the storage integration and the grants. Needs account-level privileges, so it runs
 * only with `apply --grants`, never in the routine apply.
 */
export const GRANTS_FILE = 'admin/grants.sql';

/**
 * Applied files sorted by path (the generator names them so that path order is apply order), split. With
 * `migration`, only that file of migrations/ (named by file name, with or without .sql): a migration runs only
 * when someone names it. With `grants`, only the administrator file.
 */
export function planApply(
  files: ReadonlyMap<string, string>,
  options: { migration?: string; grants?: boolean; purgeTombstones?: boolean } = {},
): ApplyPlan {
  const statements: PlannedStatement[] = [];
  const problems: PlanProblem[] = [];
  // --grants, --migration and --purge-tombstones each run one file and nothing of the routine apply
  const explicit =
    options.grants === true || options.migration !== undefined || options.purgeTombstones === true;
  const paths = explicit ? [] : [...files.keys()].filter(isAppliedFile).sort(comparePaths);
  if (options.grants === true) {
    if (files.has(GRANTS_FILE)) paths.push(GRANTS_FILE);
    else
      problems.push({
        file: GRANTS_FILE,
        line: 1,
        column: 1,
        message: 'no administrator file: run `snowstage generate`',
      });
  }
  if (options.purgeTombstones) {
    if (files.has(PURGE_TOMBSTONES_FILE)) paths.push(PURGE_TOMBSTONES_FILE);
    else
      problems.push({
        file: PURGE_TOMBSTONES_FILE,
        line: 1,
        column: 1,
        message: 'no such file (run snowstage generate)',
      });
  }
  if (options.migration !== undefined) {
    const wanted = `migrations/${options.migration.replace(/^migrations\//, '').replace(/\.sql$/, '')}.sql`;
    if (files.has(wanted)) paths.push(wanted);
    else {
      const available = [...files.keys()].filter((f) => f.startsWith('migrations/')).join(', ') || 'none';
      problems.push({
        file: wanted,
        line: 1,
        column: 1,
        message: `no such migration (available: ${available})`,
      });
    }
  }
  for (const file of paths) {
    const split = splitStatements(files.get(file) ?? '');
    problems.push(...split.errors.map((error) => ({ file, ...error })));
    for (const statement of split.statements) {
      statements.push({ index: statements.length + 1, file, ...statement });
    }
  }
  return { files: paths, statements, problems };
}

/** Plain code-unit order, the same order `render` and `readTree` produce. */
function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What Snowflake (or the driver) said about a failed statement or login; safe to print (secrets redacted). */
export interface SnowflakeFailure {
  readonly kind: SnowflakeErrorKind | 'other';
  readonly message: string;
  readonly code?: string;
  readonly sqlState?: string;
  readonly queryId?: string;
}

export type StatementOutcome =
  | {
      readonly status: 'succeeded';
      readonly statement: PlannedStatement;
      readonly queryId: string;
      readonly durationMs: number;
    }
  | {
      readonly status: 'failed';
      readonly statement: PlannedStatement;
      readonly failure: SnowflakeFailure;
      readonly durationMs: number;
    }
  | { readonly status: 'not_run'; readonly statement: PlannedStatement };

export interface ApplyResult {
  /** one per planned statement, in plan order */
  readonly outcomes: readonly StatementOutcome[];
  readonly ok: boolean;
}

/** Tables applied at the same time unless `--parallel` says otherwise (see README, "Applying"). */
export const DEFAULT_PARALLEL = 8;

export interface ExecuteOptions {
  /** how many tables' statements run at the same time; 1 runs the whole plan one statement after another */
  readonly parallel?: number;
}

/**
 * Runs the plan. Statements of one unit (the pipeline's objects, one table, the monitoring views, an explicitly
 * named file) run in order, one after another: later ones depend on earlier ones (a pipe on its table). Phases run
 * one after another: everything before 2_tables/, then the tables, then what follows. Within the table phase up to
 * `parallel` tables run at the same time, started in path order. The first failure stops the run: no new table is
 * started and no running table sends its next statement (those already sent finish and are reported); everything
 * else is `not_run`. Outcomes are returned in plan order whatever order they finished in. Everything is
 * idempotent, so the fix is to correct the cause and run `apply` again.
 */
export async function executePlan(
  plan: ApplyPlan,
  client: SqlClient,
  onOutcome: (outcome: StatementOutcome) => void = () => {},
  options: ExecuteOptions = {},
): Promise<ApplyResult> {
  const parallel = Math.max(1, Math.floor(options.parallel ?? 1));
  const finished = new Map<number, StatementOutcome>();
  const run = { stopped: false };
  const runUnit = async (unit: readonly PlannedStatement[]): Promise<void> => {
    for (const statement of unit) {
      if (run.stopped) return;
      const outcome = await runStatement(statement, client);
      finished.set(statement.index, outcome);
      // stopped before anyone hears of the failure, so nothing started after it can miss it
      if (outcome.status === 'failed') run.stopped = true;
      onOutcome(outcome);
      if (run.stopped) return;
    }
  };
  for (const phase of applyPhases(plan)) {
    if (run.stopped) break;
    await runConcurrently(phase, parallel, run, runUnit);
  }
  const outcomes = plan.statements.map(
    (statement): StatementOutcome => finished.get(statement.index) ?? { status: 'not_run', statement },
  );
  return { outcomes, ok: !outcomes.some((o) => o.status === 'failed') };
}

/**
 * The plan cut into phases of units: consecutive statements of 2_tables/ form one phase with one unit per table
 * directory; any other run of consecutive statements is a phase of one unit. Plan order is kept inside each.
 */
export function applyPhases(plan: ApplyPlan): PlannedStatement[][][] {
  const phases: { tables: boolean; units: Map<string, PlannedStatement[]> }[] = [];
  for (const statement of plan.statements) {
    const table = /^2_tables\/[^/]+\//.exec(statement.file)?.[0];
    let phase = phases.at(-1);
    if (phase === undefined || phase.tables !== (table !== undefined)) {
      phase = { tables: table !== undefined, units: new Map() };
      phases.push(phase);
    }
    const key = table ?? '';
    const unit = phase.units.get(key) ?? [];
    unit.push(statement);
    phase.units.set(key, unit);
  }
  return phases.map((phase) => [...phase.units.values()]);
}

/** Up to `limit` units at a time, taken in order; none is started once `run.stopped` is set. */
async function runConcurrently<T>(
  units: readonly T[],
  limit: number,
  run: { readonly stopped: boolean },
  runUnit: (unit: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (!run.stopped && next < units.length) {
      const unit = units[next++] as T;
      await runUnit(unit);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, units.length) }, worker));
}

/** Every statement `not_run`: the result of a run that never got a session (login failed). */
export function nothingRun(plan: ApplyPlan): ApplyResult {
  return { outcomes: plan.statements.map((statement) => ({ status: 'not_run', statement })), ok: false };
}

async function runStatement(statement: PlannedStatement, client: SqlClient): Promise<StatementOutcome> {
  const started = performance.now();
  try {
    const result = await client.execute(statement.text);
    return { status: 'succeeded', statement, queryId: result.queryId, durationMs: result.durationMs };
  } catch (error) {
    const durationMs = Math.round(performance.now() - started);
    return { status: 'failed', statement, failure: failureOf(error), durationMs };
  }
}

/** Only the fields of a SnowflakeError that are safe to print; anything else is reduced to its message. */
export function failureOf(error: unknown): SnowflakeFailure {
  if (error instanceof SnowflakeError) {
    return {
      kind: error.kind,
      message: error.message,
      ...optional('code', error.code),
      ...optional('sqlState', error.sqlState),
      ...optional('queryId', error.queryId),
    };
  }
  return { kind: 'other', message: error instanceof Error ? error.message : String(error) };
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

export interface OutcomeCounts {
  readonly succeeded: number;
  readonly failed: number;
  readonly notRun: number;
}

export function countOutcomes(outcomes: readonly StatementOutcome[]): OutcomeCounts {
  const count = (status: StatementOutcome['status']) => outcomes.filter((o) => o.status === status).length;
  return { succeeded: count('succeeded'), failed: count('failed'), notRun: count('not_run') };
}
