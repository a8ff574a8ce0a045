/**
 * Safety rules for every generated SQL tree (the committed example and the golden cases): statements split
 * cleanly, nothing replaces a stateful object, and hostile names never change how many statements there are.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readTree } from '../../src/generated/tree.js';
import { PURGE_TOMBSTONES_FILE } from '../../src/snowflake/apply.js';
import { splitStatements } from '../../src/sql/split.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CASES = join(ROOT, 'test/golden/cases');
const trees = [
  join(ROOT, 'generated'),
  ...readdirSync(CASES)
    .filter((c) => !c.startsWith('error-'))
    .map((c) => join(CASES, c, 'expected')),
];

const STATEFUL =
  /\bCREATE\s+OR\s+REPLACE\s+(TRANSIENT\s+)?(PIPE|STAGE|(STORAGE\s+)?INTEGRATION|TABLE|STREAM|FILE\s+FORMAT)\b/i;

/**
 * Migrations (explicit, run only when named) are checked by test/cli/generate.test.ts instead; the tombstone
 * purge (explicit too) by its own test below.
 */
async function sqlFiles(dir: string): Promise<[string, string][]> {
  return [...(await readTree(dir))].filter(
    ([path]) => path.endsWith('.sql') && !path.startsWith('migrations/') && !path.includes('/maintenance/'),
  );
}

/** Statement counts each file must have: one per CREATE / ALTER the template emits, whatever the names. */
function expectedCount(path: string, statements: string[]): number | undefined {
  const columnsOf = (create: string) => create.split('\n').filter((l) => /^ {2}"/.test(l)).length;
  // CREATE TABLE and one ADD COLUMN IF NOT EXISTS listing the same columns (-1, never a count, when the lists
  // differ: a name broke a line or the statement apart)
  if (path.endsWith('1_landing_table.sql') || path.endsWith('2_target_table.sql')) {
    return columnsOf(statements[1] ?? '') === columnsOf(statements[0] ?? '') ? 2 : -1;
  }
  if (path.endsWith('3_stream.sql')) return 1;
  // CREATE PIPE, plus ALTER PIPE ... SET ERROR_INTEGRATION when the metadata names one
  if (path.endsWith('4_pipe.sql')) {
    const alter = /^\s*ERROR_INTEGRATION = /m.test(statements[0] ?? '') ? 1 : 0;
    const grant = statements.some((s) => s.startsWith('GRANT MONITOR ON PIPE ')) ? 1 : 0;
    return 1 + alter + grant;
  }
  // CREATE STAGE, ALTER STAGE ... SET FILE_FORMAT
  if (path.endsWith('4_stage.sql')) return 2;
  // CREATE and ALTER of each of the two formats
  if (path.endsWith('3_file_format.sql')) return 4;
  if (path.endsWith('5_merge_task.sql')) return 3;
  if (path.endsWith('6_live_view.sql')) return 1;
  if (path.endsWith('1_views.sql')) return 3;
  return undefined;
}

describe.each(trees.map((t) => [t.slice(ROOT.length)]))('%s', (relative) => {
  it('adds columns without DEFAULT, AUTOINCREMENT or IDENTITY, which the ALTER TABLE page refuses with IF NOT EXISTS', async () => {
    let adds = 0;
    for (const [path, text] of await sqlFiles(join(ROOT, relative))) {
      for (const { text: statement } of splitStatements(text).statements) {
        if (!/\bADD COLUMN IF NOT EXISTS\b/.test(statement)) continue;
        adds++;
        // quoted names may hold anything: look at what is outside them
        const unquoted = statement.replace(/"(?:[^"]|"")*"/g, '""');
        expect(unquoted, path).not.toMatch(/\b(DEFAULT|AUTOINCREMENT|IDENTITY)\b/);
      }
    }
    expect(adds).toBeGreaterThan(0);
  });

  it('splits into statements without errors, each a CREATE or ALTER (and GRANT in the administrator file)', async () => {
    for (const [path, text] of await sqlFiles(join(ROOT, relative))) {
      const { statements, errors } = splitStatements(text);
      expect(errors, path).toEqual([]);
      expect(statements.length, path).toBeGreaterThan(0);
      // GRANT: the administrator file, and MONITOR on a pipe by its owner (bulk grants on pipes are not allowed)
      const kinds = path.includes('/admin/')
        ? /^(CREATE|ALTER|GRANT) /
        : path.endsWith('4_pipe.sql')
          ? /^(CREATE|ALTER|GRANT MONITOR ON PIPE) /
          : /^(CREATE|ALTER) /;
      for (const s of statements) expect(s.text, path).toMatch(kinds);
    }
  });

  it('never replaces a pipe, stage, integration, table, stream or file format', async () => {
    for (const [path, text] of await sqlFiles(join(ROOT, relative))) {
      for (const s of splitStatements(text).statements) expect(s.text, path).not.toMatch(STATEFUL);
    }
  });

  it('has exactly the statements its templates emit, so no name broke a statement apart', async () => {
    for (const [path, text] of await sqlFiles(join(ROOT, relative))) {
      const statements = splitStatements(text).statements.map((s) => s.text);
      const expected = expectedCount(path, statements);
      if (expected !== undefined) expect(statements.length, path).toBe(expected);
    }
  });

  it('purges only tombstones, only past a retention of at least 14 days, one statement per table', async () => {
    const tree = await readTree(join(ROOT, relative));
    const purge = [...tree].find(([path]) => path.endsWith(`/${PURGE_TOMBSTONES_FILE}`))?.[1];
    expect(purge).toBeDefined();
    const statements = splitStatements(purge ?? '').statements.map((s) => s.text);
    const targets = [...tree.keys()].filter((p) => p.endsWith('2_target_table.sql'));
    expect(statements.length).toBe(targets.length);
    for (const statement of statements) {
      const match =
        /^DELETE FROM \S.*\nWHERE "_SNOWSTAGE_DELETED" = TRUE\n {2}AND "_SNOWSTAGE_MERGED_AT" < DATEADD\(DAY, -(\d+), CURRENT_TIMESTAMP\)$/s.exec(
          statement,
        );
      expect(match, statement).not.toBeNull();
      expect(Number(match?.[1])).toBeGreaterThanOrEqual(14);
    }
  });

  it('is deterministic text: LF only, one trailing newline, no trailing spaces, no dates', async () => {
    for (const [path, text] of await readTree(join(ROOT, relative))) {
      expect(text, path).not.toContain('\r');
      expect(text.endsWith('\n') && !text.endsWith('\n\n'), path).toBe(true);
      expect(text, path).not.toMatch(/[ \t]+\n/);
      // Language versions are the only dates allowed: IAM's policy language, CloudFormation's template format and
      // the SAM transform.
      const versions = ['"2012-10-17"', '"2010-09-09"', '"AWS::Serverless-2016-10-31"'];
      const withoutVersions = versions.reduce((t, v) => t.replaceAll(v, ''), text);
      expect(withoutVersions, path).not.toMatch(/\b(19|20)\d\d-\d\d-\d\d/);
    }
  });
});
