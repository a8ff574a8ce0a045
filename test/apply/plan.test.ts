/** The pure plan and the execute loop, with an in-memory SqlClient. */
import { describe, expect, it } from 'vitest';
import {
  countOutcomes,
  executePlan,
  failureOf,
  isAppliedFile,
  PURGE_TOMBSTONES_FILE,
  planApply,
} from '../../src/snowflake/apply.js';
import { formatFailure, formatStop, statementSummary } from '../../src/snowflake/apply-report.js';
import { type QueryResult, SnowflakeError, type SqlClient } from '../../src/snowflake/client.js';

const files = new Map([
  ['3_monitoring/1_views.sql', 'CREATE OR REPLACE VIEW V AS SELECT 1;\n'],
  ['aws/iam-trust-policy.json', '{}\n'],
  [
    '1_pipeline/2_b.sql',
    "-- header\n\nCREATE STAGE S URL = 's3://b/x;y/';\nALTER STAGE S SET COMMENT = 'a';\n",
  ],
  ['migrations/0001_fix.sql', 'DROP TABLE T;\n'],
  [
    'maintenance/purge_tombstones.sql',
    '-- purge\nDELETE FROM T WHERE D = TRUE;\nDELETE FROM U WHERE D = TRUE;\n',
  ],
  ['2_tables/books/1_t.sql', 'CREATE TABLE T (A INT);\n'],
  ['1_pipeline/1_a.sql', 'CREATE SCHEMA A;\nCREATE SCHEMA B\n'],
  ['2_tables/books/notes.md', 'not sql;\n'],
  ['README.sql', 'SELECT 1;\n'],
]);

class MemoryClient implements SqlClient {
  readonly sent: string[] = [];
  constructor(private readonly failOn: (sql: string) => Error | undefined = () => undefined) {}

  async execute(sql: string): Promise<QueryResult> {
    this.sent.push(sql);
    const error = this.failOn(sql);
    if (error) throw error;
    return { queryId: `q${this.sent.length}`, rows: [], durationMs: 3 };
  }

  async close(): Promise<void> {}
}

describe('planApply', () => {
  it('takes only .sql files under 1_pipeline, 2_tables and 3_monitoring, in path order, with file:line', () => {
    const plan = planApply(files);
    expect(plan.files).toEqual([
      '1_pipeline/1_a.sql',
      '1_pipeline/2_b.sql',
      '2_tables/books/1_t.sql',
      '3_monitoring/1_views.sql',
    ]);
    expect(plan.statements.map((s) => [s.index, s.file, s.line, s.text])).toEqual([
      [1, '1_pipeline/1_a.sql', 1, 'CREATE SCHEMA A'],
      [2, '1_pipeline/1_a.sql', 2, 'CREATE SCHEMA B'],
      [3, '1_pipeline/2_b.sql', 3, "CREATE STAGE S URL = 's3://b/x;y/'"],
      [4, '1_pipeline/2_b.sql', 4, "ALTER STAGE S SET COMMENT = 'a'"],
      [5, '2_tables/books/1_t.sql', 1, 'CREATE TABLE T (A INT)'],
      [6, '3_monitoring/1_views.sql', 1, 'CREATE OR REPLACE VIEW V AS SELECT 1'],
    ]);
    expect(plan.problems).toEqual([]);
  });

  it('never plans migrations, policy documents or files outside the applied folders', () => {
    expect(isAppliedFile('migrations/0001_fix.sql')).toBe(false);
    expect(isAppliedFile('aws/iam-trust-policy.json')).toBe(false);
    expect(isAppliedFile('2_tables/books/notes.md')).toBe(false);
    expect(isAppliedFile('README.sql')).toBe(false);
    expect(isAppliedFile('2_tables/books/4_pipe.sql')).toBe(true);
  });

  it('never plans the tombstone purge in a normal apply; --purge-tombstones plans only it', () => {
    expect(isAppliedFile(PURGE_TOMBSTONES_FILE)).toBe(false);
    const plan = planApply(files, { purgeTombstones: true });
    expect(plan.files).toEqual([PURGE_TOMBSTONES_FILE]);
    expect(plan.statements.map((s) => [s.line, s.text])).toEqual([
      [2, 'DELETE FROM T WHERE D = TRUE'],
      [3, 'DELETE FROM U WHERE D = TRUE'],
    ]);
    expect(plan.problems).toEqual([]);
    const missing = planApply(new Map(), { purgeTombstones: true });
    expect(missing.statements).toEqual([]);
    expect(missing.problems.map((p) => p.file)).toEqual([PURGE_TOMBSTONES_FILE]);
  });

  it('reports a file the splitter cannot read, at its position', () => {
    const plan = planApply(new Map([['1_pipeline/1_x.sql', "SELECT 1;\nSELECT 'open"]]));
    expect(plan.problems).toEqual([
      { file: '1_pipeline/1_x.sql', line: 2, column: 8, message: 'unterminated string literal' },
    ]);
  });
});

describe('executePlan', () => {
  it('runs every statement once, in order, and reports each as it finishes', async () => {
    const plan = planApply(files);
    const client = new MemoryClient();
    const seen: string[] = [];
    const result = await executePlan(plan, client, (o) => seen.push(`${o.status}:${o.statement.index}`));
    expect(result.ok).toBe(true);
    expect(client.sent).toEqual(plan.statements.map((s) => s.text));
    expect(seen).toEqual(plan.statements.map((s) => `succeeded:${s.index}`));
    expect(result.outcomes[0]).toMatchObject({ status: 'succeeded', queryId: 'q1', durationMs: 3 });
  });

  it('stops at the first failure and marks every later statement not run', async () => {
    const plan = planApply(files);
    const error = new SnowflakeError("SQL compilation error:\nObject 'S' does not exist.", {
      kind: 'statement',
      code: '002003',
      sqlState: '42S02',
      queryId: 'q-bad',
    });
    const client = new MemoryClient((sql) => (sql.startsWith('ALTER STAGE') ? error : undefined));
    const result = await executePlan(plan, client);
    expect(result.ok).toBe(false);
    expect(client.sent).toHaveLength(4);
    expect(result.outcomes.map((o) => o.status)).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
      'failed',
      'not_run',
      'not_run',
    ]);
    expect(result.outcomes[3]).toMatchObject({
      status: 'failed',
      failure: { kind: 'statement', code: '002003', sqlState: '42S02', queryId: 'q-bad' },
    });
    expect(countOutcomes(result.outcomes)).toEqual({ succeeded: 3, failed: 1, notRun: 2 });
    const stop = formatStop(result, 'generated/p');
    expect(stop).toContain('apply stopped at generated/p/1_pipeline/2_b.sql:4 (statement 4 of 6)');
    expect(stop).toContain(
      'Snowflake error 002003 (SQL state 42S02):\n    SQL compilation error:\n    Object',
    );
    expect(stop).toContain('2 later statements were not run');
  });

  it('keeps only safe fields of errors', () => {
    expect(failureOf(new Error('boom'))).toEqual({ kind: 'other', message: 'boom' });
    expect(failureOf('text')).toEqual({ kind: 'other', message: 'text' });
    const failure = failureOf(
      new SnowflakeError('Incorrect username or password was specified.', { kind: 'login', code: '390100' }),
    );
    expect(failure).toEqual({
      kind: 'login',
      code: '390100',
      message: 'Incorrect username or password was specified.',
    });
    expect(formatFailure(failure)).toBe(
      'Snowflake error 390100: Incorrect username or password was specified.',
    );
  });

  it('summarises a statement by its first line', () => {
    expect(statementSummary('CREATE TABLE T (\n  A INT\n)')).toBe('CREATE TABLE T (');
    expect(statementSummary(`SELECT ${'x'.repeat(200)}`)).toHaveLength(100);
  });
});
