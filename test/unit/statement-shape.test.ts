/**
 * Statement-level shape checks on every generated SQL tree (the committed example and the golden cases): each
 * statement's clauses come in the order of its documented syntax diagram (the page is named next to each diagram
 * in test/support/snowflake-diagrams.ts and in the template), and views name every column once.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readTree } from '../../src/generated/tree.js';
import { splitStatements } from '../../src/sql/split.js';
import { COPY_INTO_TABLE, NAME, SHAPES } from '../support/snowflake-diagrams.js';
import { clauseOrder, selectListNames, topLevelWords } from '../support/sql-clauses.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CASES = join(ROOT, 'test/golden/cases');
const trees = [
  join(ROOT, 'generated'),
  ...readdirSync(CASES)
    .filter((c) => !c.startsWith('error-'))
    .map((c) => join(CASES, c, 'expected')),
];

async function statementsOf(tree: string): Promise<{ path: string; text: string }[]> {
  const files = [...(await readTree(tree))].filter(([path]) => path.endsWith('.sql'));
  return files.flatMap(([path, content]) =>
    splitStatements(content).statements.map((s) => ({ path, text: s.text })),
  );
}

/** The clause problems of one statement against its shape, or undefined when no shape describes it. */
function checkShape(
  text: string,
): { shape: string; clauses: readonly string[]; problems: readonly string[] } | undefined {
  for (const shape of SHAPES) {
    const start = shape.start.exec(text);
    if (!start) continue;
    const header = text.slice((start[1] as string).length);
    const words = topLevelWords(header);
    // a CREATE TABLE's column list is one parenthesised group, skipped by topLevelWords
    const result = clauseOrder(words, shape.diagram, shape.stopWord ? { stopWord: shape.stopWord } : {});
    if (shape.name === 'CREATE PIPE') {
      const copy = header.slice(header.search(/\bCOPY\s+INTO\s/i));
      const copyHeader = copy.replace(new RegExp(`^COPY\\s+INTO\\s+${NAME}`, 'i'), '');
      const copyResult = clauseOrder(topLevelWords(copyHeader), COPY_INTO_TABLE);
      return {
        shape: shape.name,
        clauses: [...result.clauses, ...copyResult.clauses],
        problems: [...result.problems, ...copyResult.problems.map((p) => `COPY INTO: ${p}`)],
      };
    }
    return { shape: shape.name, ...result };
  }
  return undefined;
}

describe.each(trees.map((t) => [t.slice(ROOT.length)]))('%s', (relative) => {
  it('every CREATE TASK has its properties, then WHEN (every MERGE task), then AS (CREATE TASK syntax)', async () => {
    const tasks = (await statementsOf(join(ROOT, relative))).filter((s) =>
      /^CREATE\s+(OR\s+ALTER\s+)?TASK\b/i.test(s.text),
    );
    expect(tasks.length).toBeGreaterThan(0);
    for (const { path, text } of tasks) {
      const shape = checkShape(text);
      expect(shape?.problems, `${path}: ${shape?.clauses.join(' ')}`).toEqual([]);
      const clauses = shape?.clauses ?? [];
      const when = clauses.indexOf('WHEN');
      const as = clauses.indexOf('AS');
      // a MERGE task runs only when its stream has data; the delete-detection tasks run on their schedule
      if (path.endsWith('_merge_task.sql')) expect(when, path).toBeGreaterThan(0);
      expect(as, path).toBe(clauses.length - 1);
      if (when >= 0) expect(clauses.slice(when + 1, as), `${path}: nothing between WHEN and AS`).toEqual([]);
    }
  });

  it("every CREATE and ALTER with options has them in its documented diagram's order", async () => {
    const problems: string[] = [];
    for (const { path, text } of await statementsOf(join(ROOT, relative))) {
      const shape = checkShape(text);
      for (const problem of shape?.problems ?? []) problems.push(`${path}: ${shape?.shape}: ${problem}`);
    }
    expect(problems).toEqual([]);
  });

  it('views select no * and name every column once (case-insensitively for unquoted names)', async () => {
    const views = (await statementsOf(join(ROOT, relative))).filter((s) =>
      /^CREATE\s+(OR\s+REPLACE\s+)?VIEW\b/i.test(s.text),
    );
    expect(views.length).toBeGreaterThan(0);
    for (const { path, text } of views) {
      const as = topLevelWords(text).find((w) => w.word === 'AS');
      const branches = selectListNames(text.slice((as?.at ?? 0) + 2));
      for (const names of branches) {
        expect(names, path).not.toContain('*');
        const seen = new Set<string>();
        for (const name of names) {
          expect(seen.has(name), `${path}: column ${name} twice in ${names.join(', ')}`).toBe(false);
          seen.add(name);
        }
      }
      // UNION ALL matches columns by position: every branch must name the same columns in the same order
      for (const names of branches) expect(names, path).toEqual(branches[0]);
    }
  });
});

describe('the administrator file grants what the generated objects need', () => {
  const adminFile = async (tree: string) =>
    (await statementsOf(join(ROOT, tree)))
      .filter((s) => s.path.endsWith('admin/grants.sql'))
      .map((s) => s.text);

  it('warehouse tasks: USAGE on the warehouse and EXECUTE TASK, no EXECUTE MANAGED TASK; MONITOR for the monitor role', async () => {
    const grants = await adminFile('generated');
    expect(grants).toEqual(
      expect.arrayContaining([
        'GRANT USAGE ON INTEGRATION "SNOWSTAGE_BOOKSTORE_S3" TO ROLE "SNOWSTAGE_LOADER"',
        'GRANT CREATE SCHEMA ON DATABASE "ANALYTICS" TO ROLE "SNOWSTAGE_LOADER"',
        'GRANT EXECUTE TASK ON ACCOUNT TO ROLE "SNOWSTAGE_LOADER"',
        'GRANT USAGE ON WAREHOUSE "ETL_WH" TO ROLE "SNOWSTAGE_LOADER"',
        'GRANT MONITOR ON FUTURE TASKS IN SCHEMA "ANALYTICS"."BOOKSTORE_RAW" TO ROLE "ANALYTICS_MONITOR"',
        'GRANT SELECT ON FUTURE VIEWS IN SCHEMA "ANALYTICS"."BOOKSTORE_RAW" TO ROLE "ANALYTICS_MONITOR"',
      ]),
    );
    expect(grants.filter((g) => g.includes('EXECUTE MANAGED TASK'))).toEqual([]);
    // Snowflake allows no bulk grants on pipes: each pipe's owner grants MONITOR in 4_pipe.sql instead
    expect(grants.filter((g) => / PIPES /.test(g))).toEqual([]);
    const pipeGrants = (await statementsOf(join(ROOT, 'generated'))).filter((s) =>
      s.path.endsWith('4_pipe.sql'),
    );
    expect(pipeGrants.map((s) => s.text)).toEqual(
      expect.arrayContaining([
        'GRANT MONITOR ON PIPE "ANALYTICS"."BOOKSTORE_RAW"."BOOKS_PIPE" TO ROLE "ANALYTICS_MONITOR"',
        'GRANT MONITOR ON PIPE "ANALYTICS"."BOOKSTORE_RAW"."BOOK_REVIEWS_PIPE" TO ROLE "ANALYTICS_MONITOR"',
      ]),
    );
    expect(grants.some((g) => g.startsWith('CREATE STORAGE INTEGRATION'))).toBe(true);
  });

  it('serverless tasks: EXECUTE MANAGED TASK, no warehouse; USAGE on the error integration', async () => {
    const grants = await adminFile('test/golden/cases/serverless-cron-exact-names/expected');
    expect(grants).toEqual(
      expect.arrayContaining([
        'GRANT EXECUTE TASK ON ACCOUNT TO ROLE "Lake Loader"',
        'GRANT EXECUTE MANAGED TASK ON ACCOUNT TO ROLE "Lake Loader"',
        'GRANT USAGE ON INTEGRATION "Lake Errors" TO ROLE "Lake Loader"',
      ]),
    );
    expect(grants.filter((g) => g.includes('WAREHOUSE'))).toEqual([]);
  });

  it('the routine apply folders hold no integration DDL and no GRANT but MONITOR on a pipe by its owner', async () => {
    for (const tree of trees) {
      const routine = (await statementsOf(tree)).filter((s) => !s.path.includes('/admin/'));
      for (const { path, text } of routine) {
        expect(text, path).not.toMatch(
          /^(GRANT (?!MONITOR ON PIPE )|CREATE\s+STORAGE\s+INTEGRATION|ALTER\s+(STORAGE\s+)?INTEGRATION)/,
        );
      }
    }
  });
});

describe('alerts (3_monitoring/2_alerts.sql, only with alerts.notification_integration)', () => {
  const adminFile = async (tree: string) =>
    (await statementsOf(join(ROOT, tree)))
      .filter((s) => s.path.endsWith('admin/grants.sql'))
      .map((s) => s.text);
  const alertsOf = async (tree: string) =>
    (await statementsOf(join(ROOT, tree))).filter((s) => s.path.endsWith('3_monitoring/2_alerts.sql'));
  const kinds = ['LOAD_ERRORS', 'MERGE_FAILURES', 'MERGE_LAG', 'STREAMS_TASKS'];

  it('one CREATE OR ALTER ALERT per kind of problem, each resumed after it, clauses in the documented order', async () => {
    for (const tree of ['generated', 'test/golden/cases/serverless-cron-exact-names/expected']) {
      const texts = (await alertsOf(tree)).map((s) => s.text);
      const creates = texts.filter((t) => t.startsWith('CREATE OR ALTER ALERT'));
      expect(
        creates.map((t) => /"SNOWSTAGE_ALERT_([A-Z_]+)"/.exec(t)?.[1]),
        tree,
      ).toEqual(kinds);
      for (const create of creates) {
        const shape = checkShape(create);
        expect(shape?.problems, tree).toEqual([]);
        expect(shape?.clauses.slice(-2), tree).toEqual(['IF', 'THEN']);
        const name = /^CREATE OR ALTER ALERT (.+)\n/.exec(create)?.[1];
        expect(texts, tree).toContain(`ALTER ALERT ${name} RESUME`);
        expect(create, tree).toContain('CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION(');
      }
    }
  });

  it('serverless alerts have no WAREHOUSE; the integration name is quoted even with $$ in it', async () => {
    const lake = (await alertsOf('test/golden/cases/serverless-cron-exact-names/expected')).map(
      (s) => s.text,
    );
    expect(lake.filter((t) => /\n {2}WAREHOUSE = /.test(t))).toEqual([]);
    // a name with $$ cannot sit in a $$ block: the action falls back to an escaped single-quoted literal
    for (const t of lake.filter((x) => x.startsWith('CREATE'))) {
      expect(t).toContain("SNOWFLAKE.NOTIFICATION.INTEGRATION(''Lake \"Alerts\" $$''))");
      expect(t).toContain("\n  SCHEDULE = '30 MINUTE'\n");
    }
    const example = (await alertsOf('generated')).map((s) => s.text);
    for (const t of example.filter((x) => x.startsWith('CREATE')))
      expect(t).toContain('\n  WAREHOUSE = "ETL_WH"\n');
  });

  it('the administrator file grants what alerts need; no alerts and no alert grants without an integration', async () => {
    const lake = await adminFile('test/golden/cases/serverless-cron-exact-names/expected');
    expect(lake).toEqual(
      expect.arrayContaining([
        'GRANT EXECUTE ALERT ON ACCOUNT TO ROLE "Lake Loader"',
        'GRANT EXECUTE MANAGED ALERT ON ACCOUNT TO ROLE "Lake Loader"',
        'GRANT USAGE ON INTEGRATION "Lake ""Alerts"" $$" TO ROLE "Lake Loader"',
        'GRANT DATABASE ROLE SNOWFLAKE.ALERT_VIEWER TO ROLE "Lake Loader"',
      ]),
    );
    const example = await adminFile('generated');
    expect(example).toContain('GRANT EXECUTE ALERT ON ACCOUNT TO ROLE "SNOWSTAGE_LOADER"');
    expect(example.filter((g) => g.includes('EXECUTE MANAGED ALERT'))).toEqual([]);
    const minimal = 'test/golden/cases/minimal-warehouse/expected';
    expect(await alertsOf(minimal)).toEqual([]);
    expect((await adminFile(minimal)).filter((g) => /ALERT/.test(g))).toEqual([]);
  });

  it('finds a clause out of the documented order in an alert', () => {
    const wrong = `CREATE OR ALTER ALERT a.b.c\n  COMMENT = 'c'\n  SCHEDULE = '5 MINUTE'\n  IF( EXISTS( SELECT 1 ))\n  THEN\n    SELECT 1`;
    expect(checkShape(wrong)?.problems).toEqual([
      'SCHEDULE comes after COMMENT; the documentation puts it before',
    ]);
  });
});

describe('failure paths and header handling in the generated statements', () => {
  const statements = async (tree: string) => (await statementsOf(join(ROOT, tree))).map((s) => s.text);

  it("the stage's default file format has no PARSE_HEADER; the format the pipes' COPY names has it", async () => {
    for (const tree of trees) {
      const all = await statementsOf(tree);
      const formatOf = (text: string) =>
        /FORMAT_NAME = '((?:[^'\\]|\\.|'')*)'/.exec(text)?.[1]?.replaceAll("''", "'");
      const createFormat = (name: string) =>
        all.find((s) => s.text.startsWith(`CREATE FILE FORMAT IF NOT EXISTS ${name}\n`))?.text ?? '';
      const stages = all.filter((s) => s.text.startsWith('CREATE STAGE') || s.text.startsWith('ALTER STAGE'));
      expect(stages.length, tree).toBeGreaterThan(0);
      for (const stage of stages) {
        const format = createFormat(formatOf(stage.text) ?? '(none)');
        expect(format, `${stage.path}: the stage's format`).toMatch(/\bSKIP_HEADER = 1\b/);
        expect(format, `${stage.path}: the stage's format`).not.toMatch(/PARSE_HEADER/);
      }
      for (const pipe of all.filter((s) => s.text.startsWith('CREATE PIPE'))) {
        expect(createFormat(formatOf(pipe.text) ?? '(none)'), pipe.path).toMatch(/\bPARSE_HEADER = TRUE\b/);
      }
    }
  });

  it('every task has the failure settings of the metadata; pipes and tasks name the error integration when given', async () => {
    const example = await statements('generated');
    const exampleTasks = example.filter((s) => s.startsWith('CREATE OR ALTER TASK'));
    for (const task of exampleTasks) {
      expect(task).toMatch(/\n {2}SUSPEND_TASK_AFTER_NUM_FAILURES = 10\n/);
      expect(task).toMatch(/\n {2}TASK_AUTO_RETRY_ATTEMPTS = 2\n/);
      expect(task).not.toContain('ERROR_INTEGRATION');
    }
    const lake = await statements('test/golden/cases/serverless-cron-exact-names/expected');
    const lakeTasks = lake.filter((s) => s.startsWith('CREATE OR ALTER TASK'));
    const lakePipes = lake.filter((s) => s.startsWith('CREATE PIPE'));
    expect(lakeTasks.length).toBeGreaterThan(0);
    for (const task of lakeTasks) {
      expect(task).toMatch(/\n {2}SUSPEND_TASK_AFTER_NUM_FAILURES = 0\n/);
      expect(task).toMatch(/\n {2}TASK_AUTO_RETRY_ATTEMPTS = 1\n/);
      expect(task).toMatch(/\n {2}ERROR_INTEGRATION = "Lake Errors"\n/);
    }
    for (const pipe of lakePipes) expect(pipe).toMatch(/\n {2}ERROR_INTEGRATION = "Lake Errors"\n/);
    expect(lake.filter((s) => /^ALTER PIPE .* SET ERROR_INTEGRATION = "Lake Errors"$/s.test(s))).toHaveLength(
      lakePipes.length,
    );
  });
});

describe('the statement reader used above', () => {
  it('finds the clause order problem in the task shape issue 9 reported (COMMENT after WHEN)', () => {
    const old = `CREATE OR ALTER TASK db.s.t\n  WAREHOUSE = "W"\n  SCHEDULE = '5 MINUTES'\n  WHEN SYSTEM$STREAM_HAS_DATA('db.s.x')\n  COMMENT = 'c'\n  AS\nMERGE INTO t USING s ON a = b WHEN MATCHED THEN DELETE`;
    expect(checkShape(old)?.problems).toEqual(['COMMENT comes after WHEN; the documentation puts it before']);
  });

  it('names the duplicate TABLE_NAME of a view over h.* plus its own TABLE_NAME, and sees the *', () => {
    const names = selectListNames(`SELECT 'b' AS TABLE_NAME, h.* FROM TABLE(f(TABLE_NAME => 'x')) AS h`);
    expect(names).toEqual([['TABLE_NAME', '*']]);
    expect(selectListNames(`SELECT 'b' AS table_name, h.TABLE_NAME FROM x AS h`)).toEqual([
      ['TABLE_NAME', 'TABLE_NAME'],
    ]);
    expect(selectListNames(`SELECT 'b' AS "table_name", h.TABLE_NAME FROM x AS h`)).toEqual([
      ['table_name', 'TABLE_NAME'],
    ]);
  });

  it('reports a property the diagram does not know', () => {
    expect(checkShape(`CREATE STREAM IF NOT EXISTS a.b.c\n  ON TABLE x\n  BOGUS = 1`)?.problems).toEqual([
      'BOGUS is not in the documented syntax',
    ]);
  });
});

describe('templates', () => {
  const templates = fileURLToPath(new URL('../../templates/', import.meta.url));
  const sqlTemplates = readdirSync(templates, { recursive: true, encoding: 'utf8' }).filter(
    (f) => f.endsWith('.sql.hbs') || f.endsWith('pipe_copy.hbs'),
  );

  it.each(sqlTemplates)('%s names the Snowflake documentation page of each statement it emits', (file) => {
    const text = readFileSync(join(templates, file), 'utf8');
    const pages = [
      ...text.matchAll(/https:\/\/docs\.snowflake\.com\/en\/sql-reference\/[a-z-]+\/[a-z_$-]+/g),
    ].map((m) => m[0]);
    expect(pages.length, file).toBeGreaterThan(0);
    const statements = new Set(
      [
        ...text.matchAll(
          /^(CREATE(?: OR (?:ALTER|REPLACE))? (?:STORAGE INTEGRATION|FILE FORMAT|SCHEMA|STAGE|TABLE|STREAM|PIPE|TASK|VIEW|ALERT)|ALTER (?:STORAGE INTEGRATION|FILE FORMAT|STAGE|TABLE|PIPE|TASK|ALERT)|GRANT|COPY INTO)\b/gm,
        ),
      ].map((m) => (m[1] as string).replace(/ OR (ALTER|REPLACE)/, '')),
    );
    for (const statement of statements) {
      const page = `/${statement.toLowerCase().replaceAll(' ', '-')}`;
      const expected =
        statement === 'COPY INTO' ? '/copy-into-table' : statement === 'GRANT' ? '/grant-privilege' : page;
      expect(
        pages.some((p) => p.endsWith(expected)),
        `${file}: ${statement} needs ${expected}`,
      ).toBe(true);
    }
  });
});
