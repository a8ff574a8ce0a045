/**
 * Text that `apply` prints: the plan, one log line per statement, the result and the failure report. Pure string
 * builders; statement locations are shown as `generated/<pipeline>/<file>:<line>` so an editor can jump there.
 */
import type {
  ApplyPlan,
  ApplyResult,
  PlannedStatement,
  PlanProblem,
  SnowflakeFailure,
  StatementOutcome,
} from './apply.js';
import { countOutcomes } from './apply.js';

const SUMMARY_WIDTH = 100;

export function location(displayDir: string, statement: { file: string; line: number }): string {
  return `${displayDir}/${statement.file}:${statement.line}`;
}

/** The statement's first line, whitespace collapsed and shortened: enough to recognise it in a log. */
export function statementSummary(text: string): string {
  const first = (text.split(/\r\n|\r|\n/, 1)[0] ?? '').replace(/\s+/g, ' ').trim();
  return first.length > SUMMARY_WIDTH ? `${first.slice(0, SUMMARY_WIDTH - 1)}…` : first;
}

function counter(statement: PlannedStatement, total: number): string {
  const width = String(total).length;
  return `[${String(statement.index).padStart(width)}/${total}]`;
}

export function formatPlan(plan: ApplyPlan, displayDir: string): string {
  const total = plan.statements.length;
  const lines = [
    `plan: ${total} statements from ${plan.files.length} files in ${displayDir}, in this order:`,
  ];
  for (const statement of plan.statements) {
    lines.push(
      `  ${counter(statement, total)} ${location(displayDir, statement)}  ${statementSummary(statement.text)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function formatPlanProblems(problems: readonly PlanProblem[], displayDir: string): string {
  const lines = problems.map((p) => `${displayDir}/${p.file}:${p.line}:${p.column}: ${p.message}`);
  lines.push(`${problems.length} file problem${problems.length === 1 ? '' : 's'}: nothing was run`);
  return `${lines.join('\n')}\n`;
}

/** The log line written as each statement finishes. */
export function formatOutcomeLine(outcome: StatementOutcome, displayDir: string, total: number): string {
  const where = `${counter(outcome.statement, total)} ${location(displayDir, outcome.statement)}`;
  const summary = statementSummary(outcome.statement.text);
  switch (outcome.status) {
    case 'succeeded':
      return `ok      ${where}  query ${outcome.queryId}  ${outcome.durationMs} ms  ${summary}\n`;
    case 'failed': {
      const query = outcome.failure.queryId === undefined ? '' : `  query ${outcome.failure.queryId}`;
      return `FAILED  ${where}${query}  ${outcome.durationMs} ms  ${summary}\n`;
    }
    case 'not_run':
      return `skipped ${where}  ${summary}\n`;
  }
}

const STATUS_LABEL: Record<StatementOutcome['status'], string> = {
  succeeded: 'succeeded',
  failed: 'FAILED',
  not_run: 'not run',
};

/**
 * The counts after the run, then the statements that were not run: succeeded and failed ones already have their
 * log line (formatOutcomeLine), so each statement appears once in what apply prints.
 */
export function formatResult(result: ApplyResult, displayDir: string): string {
  const counts = countOutcomes(result.outcomes);
  const lines = [
    `result: ${result.outcomes.length} statements: ${counts.succeeded} succeeded, ${counts.failed} failed, ${counts.notRun} not run`,
  ];
  for (const outcome of result.outcomes) {
    if (outcome.status !== 'not_run') continue;
    lines.push(`  ${STATUS_LABEL[outcome.status].padEnd(9)}  ${location(displayDir, outcome.statement)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The machine-readable report of `apply --json`: every statement once, in plan order. */
export function resultJson(result: ApplyResult, displayDir: string, exitCode: number): string {
  const statements = result.outcomes.map((outcome) => {
    const where = { file: `${displayDir}/${outcome.statement.file}`, line: outcome.statement.line };
    const base = { index: outcome.statement.index, ...where, status: outcome.status };
    if (outcome.status === 'succeeded') {
      return { ...base, queryId: outcome.queryId, durationMs: outcome.durationMs };
    }
    if (outcome.status === 'failed')
      return { ...base, durationMs: outcome.durationMs, error: outcome.failure };
    return base;
  });
  const counts = countOutcomes(result.outcomes);
  return `${JSON.stringify({ ok: exitCode === 0, exitCode, counts, statements }, null, 2)}\n`;
}

/** One line, for places that list several problems (a multi-line server message is joined with spaces). */
export function formatFailure(failure: SnowflakeFailure): string {
  const message = failure.message.replace(/\s*[\r\n]+\s*/g, ' ');
  const query = failure.queryId === undefined ? '' : ` (query id ${failure.queryId})`;
  return `${failureHeading(failure)}: ${message}${query}`;
}

function failureHeading(failure: SnowflakeFailure): string {
  const code = failure.code === undefined ? '' : ` ${failure.code}`;
  const state = failure.sqlState === undefined ? '' : ` (SQL state ${failure.sqlState})`;
  return `Snowflake error${code}${state}`;
}

/**
 * Where the run stopped and why, for stderr; the server's message keeps its own line breaks. With several tables
 * running at once more than one statement can fail before the run stops: the first in path order is the heading,
 * the others follow.
 */
export function formatStop(result: ApplyResult, displayDir: string): string {
  const failures = result.outcomes.filter((o) => o.status === 'failed');
  const [first, ...others] = failures;
  if (first === undefined) return '';
  const notRun = countOutcomes(result.outcomes).notRun;
  return [
    `apply stopped at ${location(displayDir, first.statement)} (statement ${first.statement.index} of ${result.outcomes.length})`,
    ...failureLines(first.failure),
    ...others.flatMap((other) => [
      `also failed, in a table that was running at the same time: ${location(displayDir, other.statement)} (statement ${other.statement.index})`,
      ...failureLines(other.failure),
    ]),
    `  ${notRun} later statement${notRun === 1 ? ' was' : 's were'} not run. Fix the cause and run \`snowstage apply\` ` +
      'again: the generated statements are safe to rerun.',
    '',
  ].join('\n');
}

function failureLines(failure: SnowflakeFailure): string[] {
  return [
    `  ${failureHeading(failure)}:`,
    ...failure.message.split(/\r\n|\r|\n/).map((line) => `    ${line}`),
    ...(failure.queryId === undefined ? [] : [`  query id: ${failure.queryId}`]),
  ];
}

/**
 * The migrations a tree holds, one line each (name and the file's `-- MIGRATION` line), so a dry run shows what
 * is waiting to be run by name. Empty when there are none.
 */
export function formatMigrations(files: ReadonlyMap<string, string>): string {
  const migrations = [...files.keys()].filter((p) => /^migrations\/[^/]+\.sql$/.test(p)).sort();
  if (migrations.length === 0) return '';
  const lines = migrations.map((path) => {
    const name = path.replace(/^migrations\//, '').replace(/\.sql$/, '');
    const title = /^-- MIGRATION \d+: (.*)$/m.exec(files.get(path) ?? '')?.[1] ?? '';
    return `  ${name}${title === '' ? '' : `  ${title}`}`;
  });
  return [
    `migrations (not part of this plan; each runs only as \`snowstage apply --migration <name>\`):`,
    ...lines,
    '',
  ].join('\n');
}
