/**
 * Issue 13, apply side: grouped column statements (a table costs at most 12 statements) and tables applied
 * concurrently, against the real snowflake-sdk talking to the local endpoint (test/support/fake-snowflake.ts).
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateCommand } from '../../src/cli/commands/generate.js';
import { readTree } from '../../src/generated/tree.js';
import {
  type ApplyPlan,
  applyPhases,
  executePlan,
  type PlannedStatement,
  planApply,
  type StatementOutcome,
} from '../../src/snowflake/apply.js';
import { formatResult, formatStop, resultJson } from '../../src/snowflake/apply-report.js';
import { connectSnowflake } from '../../src/snowflake/client.js';
import { type FakeSnowflake, startFakeSnowflake } from '../support/fake-snowflake.js';
import { manyTablesWorkDir, removeWorkDir } from '../support/many-tables.js';
import { runCommand } from './harness.js';

let work: string | undefined;
let fake: FakeSnowflake | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
  if (work !== undefined) await removeWorkDir(work);
  work = undefined;
});

/** A work directory with `count` tables (copies of the example's two) and generated/ rendered from them. */
async function wideWorkDir(count: number): Promise<{ dir: string; plan: ApplyPlan }> {
  const dir = await manyTablesWorkDir(count);
  work = dir;
  const quiet = { write: () => true };
  const code = await generateCommand(
    { stdout: quiet, stderr: quiet, env: {}, cwd: dir },
    { metadata: 'metadata', out: 'generated', check: false },
  );
  if (code !== 0) throw new Error(`generate failed with ${code}`);
  return { dir, plan: planApply(await readTree(join(dir, 'generated/bookstore'))) };
}

const tableOf = (s: PlannedStatement) => /^2_tables\/([^/]+)\//.exec(s.file)?.[1];

function statementsPerTable(plan: ApplyPlan): Map<string, PlannedStatement[]> {
  const tables = new Map<string, PlannedStatement[]>();
  for (const statement of plan.statements) {
    const table = tableOf(statement);
    if (table !== undefined) tables.set(table, [...(tables.get(table) ?? []), statement]);
  }
  return tables;
}

function connectTo(endpoint: FakeSnowflake) {
  return connectSnowflake({
    account: 'testacct',
    username: 'loader',
    auth: { kind: 'password', password: 'pw' },
    accessUrl: endpoint.accessUrl,
  });
}

describe('statements per table', () => {
  it('a table costs at most 12 statements: all its columns in one ADD COLUMN IF NOT EXISTS per table', async () => {
    const { plan } = await wideWorkDir(20);
    const tables = statementsPerTable(plan);
    expect(tables.size).toBe(20);
    for (const [table, statements] of tables) {
      expect(statements.length, table).toBeLessThanOrEqual(12);
      const adds = statements.filter((s) => s.text.includes('ADD COLUMN IF NOT EXISTS'));
      expect(
        adds.map((s) => s.file.replace(/^.*\//, '')),
        table,
      ).toEqual(['1_landing_table.sql', '2_target_table.sql']);
    }
    // the 20-table copy sent 931 statements when every column had its own ALTER TABLE
    expect(plan.statements.length).toBeLessThanOrEqual(8 + 20 * 12 + 1);
  });
});

describe('apply --parallel', () => {
  it('by default runs several tables at a time: pipeline objects first, each table in order, views last; the report in path order', async () => {
    const { dir, plan } = await wideWorkDir(6);
    fake = await startFakeSnowflake({ statementDelayMs: 20 });
    const run = await runCommand(['apply', '--json', '--no-notifications'], {
      cwd: dir,
      env: {
        SNOWFLAKE_ACCOUNT: 'testacct',
        SNOWFLAKE_USER: 'loader',
        SNOWFLAKE_PASSWORD: 'pw',
        SNOWFLAKE_ACCESS_URL: fake.accessUrl,
      },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(fake.inFlight.max).toBeGreaterThan(1);
    const sent = fake.statements;
    // the same statements as a plan-order run, each once
    expect([...sent].sort()).toEqual(plan.statements.map((s) => s.text).sort());
    const position = (s: PlannedStatement) => sent.indexOf(s.text);
    const lastPipeline = Math.max(
      ...plan.statements.filter((s) => s.file.startsWith('1_pipeline/')).map(position),
    );
    const tableStatements = plan.statements.filter((s) => tableOf(s) !== undefined);
    expect(Math.min(...tableStatements.map(position))).toBeGreaterThan(lastPipeline);
    const firstView = Math.min(
      ...plan.statements.filter((s) => s.file.startsWith('3_monitoring/')).map(position),
    );
    expect(firstView).toBeGreaterThan(Math.max(...tableStatements.map(position)));
    for (const [table, statements] of statementsPerTable(plan)) {
      const order = statements.map(position);
      expect(order, table).toEqual([...order].sort((a, b) => a - b));
    }
    const report = JSON.parse(run.stdout) as { statements: { index: number; status: string }[] };
    expect(report.statements.map((s) => s.index)).toEqual(plan.statements.map((s) => s.index));
    expect(report.statements.every((s) => s.status === 'succeeded')).toBe(true);
    expect(run.stderr).toContain('up to 8 tables at a time');
  });

  it('--parallel 1 sends every statement in path order, one at a time, as before', async () => {
    const { dir, plan } = await wideWorkDir(4);
    fake = await startFakeSnowflake({ statementDelayMs: 5 });
    const run = await runCommand(['apply', '--parallel', '1', '--no-notifications'], {
      cwd: dir,
      env: {
        SNOWFLAKE_ACCOUNT: 'testacct',
        SNOWFLAKE_USER: 'loader',
        SNOWFLAKE_PASSWORD: 'pw',
        SNOWFLAKE_ACCESS_URL: fake.accessUrl,
      },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(fake.statements).toEqual(plan.statements.map((s) => s.text));
    expect(fake.inFlight.max).toBe(1);
    expect(run.stdout).toContain('one statement at a time');
  });

  it('rejects --parallel 0 and non-numbers as usage errors', async () => {
    const { dir } = await wideWorkDir(2);
    for (const value of ['0', 'two', '65']) {
      const run = await runCommand(['apply', '--parallel', value], { cwd: dir, env: {} });
      expect(run.code, value).toBe(2);
    }
  });

  it('the first failure starts no new table; a running table finishes its current statement and sends no other', async () => {
    const { plan } = await wideWorkDir(4);
    const [, tables] = applyPhases(plan);
    const [first, second, third] = tables ?? [];
    if (!first?.[0] || !second?.[0] || !third) throw new Error('expected at least three tables');
    let reportFailure = () => {};
    const failureReported = new Promise<void>((resolve) => {
      reportFailure = resolve;
    });
    fake = await startFakeSnowflake({
      rules: [
        {
          match: (sql) => sql === second[0]?.text,
          reply: { error: { code: '002003', sqlState: '02000', message: 'Schema does not exist.' } },
        },
        // the first table's first statement is still running when the second table's fails
        { match: (sql) => sql === first[0]?.text, reply: {}, hold: () => failureReported },
      ],
    });
    const client = await connectTo(fake);
    const onOutcome = (outcome: StatementOutcome) => {
      if (outcome.status === 'failed') reportFailure();
    };
    const result = await executePlan(plan, client, onOutcome, { parallel: 2 });
    await client.close();

    const pipeline = plan.statements.filter((s) => s.file.startsWith('1_pipeline/'));
    expect(fake.statements).toEqual([...pipeline.map((s) => s.text), first[0].text, second[0].text]);
    expect(result.ok).toBe(false);
    const status = new Map(result.outcomes.map((o) => [o.statement.index, o.status]));
    expect(status.get(first[0].index)).toBe('succeeded');
    expect(status.get(second[0].index)).toBe('failed');
    const notRun = result.outcomes.filter((o) => o.status === 'not_run').map((o) => o.statement.index);
    expect(notRun).toHaveLength(plan.statements.length - pipeline.length - 2);
    // every statement once, in path order, whatever order they finished in
    expect(result.outcomes.map((o) => o.statement.index)).toEqual(plan.statements.map((s) => s.index));
    const listed = formatResult(result, 'generated/bookstore')
      .split('\n')
      .filter((line) => line.startsWith('  not run'));
    expect(listed).toHaveLength(notRun.length);
    const locations = plan.statements
      .filter((s) => notRun.includes(s.index))
      .map((s) => `generated/bookstore/${s.file}:${s.line}`);
    expect(listed.map((line) => line.replace(/^ {2}not run {4}/, ''))).toEqual(locations);
    const json = JSON.parse(resultJson(result, 'generated/bookstore', 1)) as {
      statements: { index: number }[];
    };
    expect(json.statements.map((s) => s.index)).toEqual(plan.statements.map((s) => s.index));
    expect(formatStop(result, 'generated/bookstore')).toContain(
      `apply stopped at generated/bookstore/${second[0].file}:${second[0].line}`,
    );
  });

  it('two tables failing at the same time are both reported, the first in path order as the stop', async () => {
    const { plan } = await wideWorkDir(3);
    const [, tables] = applyPhases(plan);
    const [first, second, third] = tables ?? [];
    if (!first?.[0] || !second?.[0] || !third?.[0]) throw new Error('expected three tables');
    const error = { error: { code: '003001', sqlState: '42501', message: 'Insufficient privileges.' } };
    let reportFailure = () => {};
    const failureReported = new Promise<void>((resolve) => {
      reportFailure = resolve;
    });
    fake = await startFakeSnowflake({
      rules: [
        { match: (sql) => sql === first[0]?.text || sql === second[0]?.text, reply: error },
        { match: (sql) => sql === third[0]?.text, reply: {}, hold: () => failureReported },
      ],
    });
    const client = await connectTo(fake);
    const onOutcome = (outcome: StatementOutcome) => {
      if (outcome.status === 'failed') reportFailure();
    };
    const result = await executePlan(plan, client, onOutcome, { parallel: 3 });
    await client.close();
    expect(result.outcomes.filter((o) => o.status === 'failed')).toHaveLength(2);
    const stop = formatStop(result, 'g');
    expect(stop).toContain(`apply stopped at g/${first[0].file}:${first[0].line}`);
    expect(stop).toContain(`also failed, in a table that was running at the same time: g/${second[0].file}`);
    // the third table started too (three at a time) and stopped after its first statement
    expect(fake.statements).toHaveLength(
      plan.statements.filter((s) => s.file.startsWith('1_pipeline/')).length + 3,
    );
  });
});
