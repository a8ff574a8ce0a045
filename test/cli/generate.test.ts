import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readTree } from '../../src/generated/tree.js';
import { splitStatements } from '../../src/sql/split.js';
import { runCli } from './run.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let work: string;

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'snowstage-cli-'));
  await cp(join(ROOT, 'metadata'), join(work, 'metadata'), { recursive: true });
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('help and usage', () => {
  it('shows examples and exit codes at the top level and for each command', async () => {
    const top = await runCli(['--help'], { cwd: work });
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('Examples:');
    expect(top.stdout).toContain('Exit codes: 0 ok, 1 problems found');
    for (const command of ['validate', 'generate', 'introspect', 'extract', 'apply', 'status']) {
      const help = await runCli([command, '--help'], { cwd: work });
      expect(help.code, command).toBe(0);
      expect(help.stdout, command).toContain('Examples:');
      expect(help.stdout, command).toContain(`$ snowstage ${command}`);
    }
  });

  it('exits 2 on usage errors', async () => {
    expect((await runCli(['generat'], { cwd: work })).code).toBe(2);
    expect((await runCli(['generate', '--chek'], { cwd: work })).code).toBe(2);
  });
});

describe('validate', () => {
  it('accepts the example metadata', async () => {
    const run = await runCli(['validate'], { cwd: work });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('pipeline bookstore is valid (2 tables: book_reviews, books)');
  });

  it('prints every problem with position and pointer, then a count, and exits 1', async () => {
    const file = join(work, 'metadata/tables/books.yaml');
    const text = await readFile(file, 'utf8');
    await writeFile(
      file,
      text.replace('primary_key: [book_id]', 'primary_key: [book_uuid]').replace('type: json', 'type: jsonb'),
    );
    const run = await runCli(['validate'], { cwd: work });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^metadata\/tables\/books\.yaml:\d+:\d+ \/primary_key\/0: found "book_uuid"/m);
    expect(run.stderr).toMatch(
      /^metadata\/tables\/books\.yaml:\d+:\d+ \/columns\/11\/type: unknown MySQL type "jsonb"/m,
    );
    expect(run.stderr).toMatch(/^2 problems found in metadata$/m);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('generate', () => {
  it('writes the tree, is byte-identical on a rerun, and deletes files it no longer produces', async () => {
    const first = await runCli(['generate'], { cwd: work });
    expect(first.code).toBe(0);
    const tree = await readTree(join(work, 'generated/bookstore'));
    expect(tree.size).toBeGreaterThan(10);
    await writeFile(join(work, 'generated/bookstore/2_tables/books/9_stale.sql'), 'SELECT 1;\n');
    const second = await runCli(['generate'], { cwd: work });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('removed generated/bookstore/2_tables/books/9_stale.sql');
    expect(second.stdout).toContain('1 changed');
    expect(await readTree(join(work, 'generated/bookstore'))).toEqual(tree);
  });

  it('matches the committed generated/ output for metadata/', async () => {
    const run = await runCli(['generate', '--out', join(ROOT, 'generated'), '--check'], { cwd: work });
    expect(run.stdout + run.stderr).toContain('is up to date');
    expect(run.code).toBe(0);
  });

  it('--check fails with a unified diff after a metadata edit, and writes nothing', async () => {
    await cp(join(ROOT, 'generated'), join(work, 'generated'), { recursive: true });
    const file = join(work, 'metadata/tables/books.yaml');
    await writeFile(file, `${await readFile(file, 'utf8')}  - { name: subtitle, type: varchar(300) }\n`);
    const before = await readTree(join(work, 'generated'));
    const run = await runCli(['generate', '--check'], { cwd: work });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('--- a/generated/bookstore/2_tables/books/2_target_table.sql');
    expect(run.stdout).toContain(
      // the new column joins the table's one ADD COLUMN IF NOT EXISTS statement
      '+  "SUBTITLE" VARCHAR(300),\n',
    );
    expect(run.stderr).toContain('generated/bookstore is stale');
    expect(await readTree(join(work, 'generated'))).toEqual(before);
  });

  it('--check fails when a generated file was edited or deleted by hand', async () => {
    await cp(join(ROOT, 'generated'), join(work, 'generated'), { recursive: true });
    await rm(join(work, 'generated/bookstore/3_monitoring/1_views.sql'));
    const run = await runCli(['generate', '--check'], { cwd: work });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('+++ b/generated/bookstore/3_monitoring/1_views.sql');
  });

  it('writes nothing when the metadata is invalid', async () => {
    await writeFile(join(work, 'metadata/pipeline.yaml'), 'name: Bad Name\n');
    const run = await runCli(['generate'], { cwd: work });
    expect(run.code).toBe(1);
    expect(existsSync(join(work, 'generated'))).toBe(false);
  });

  it('takes S3_BUCKET from the environment', async () => {
    const run = await runCli(['generate'], { cwd: work, env: { S3_BUCKET: 'acme-prod-lake' } });
    expect(run.code).toBe(0);
    const stage = await readFile(join(work, 'generated/bookstore/1_pipeline/4_stage.sql'), 'utf8');
    expect(stage).toContain("URL = 's3://acme-prod-lake/bookstore/data/'");
  });
});

describe('pipe migrations', () => {
  it('a changed COPY statement adds a numbered migration that recreates only that pipe; a rerun changes nothing', async () => {
    await cp(join(ROOT, 'generated'), join(work, 'generated'), { recursive: true });
    const file = join(work, 'metadata/tables/books.yaml');
    await writeFile(file, `${await readFile(file, 'utf8')}s3_path: catalogue/books\n`);
    const first = await runCli(['generate'], { cwd: work });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('added   generated/bookstore/migrations/001_recreate_pipe_books.sql');
    expect(first.stdout).toContain(
      'note: generated/bookstore/migrations/001_recreate_pipe_books.sql (pipe of books recreated',
    );
    const migration = await readFile(
      join(work, 'generated/bookstore/migrations/001_recreate_pipe_books.sql'),
      'utf8',
    );
    const steps = splitStatements(migration).statements.map((s) => s.text.split('\n')[0]);
    expect(steps).toEqual([
      `SET SNOWSTAGE_REFRESH_1 = (SELECT 'ALTER PIPE "ANALYTICS"."BOOKSTORE_RAW"."BOOKS_PIPE" REFRESH MODIFIED_AFTER = ''' || TO_VARCHAR(CURRENT_TIMESTAMP(), 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM') || '''')`,
      'ALTER PIPE IF EXISTS "ANALYTICS"."BOOKSTORE_RAW"."BOOKS_PIPE" SET PIPE_EXECUTION_PAUSED = TRUE',
      'EXECUTE IMMEDIATE $$',
      'CREATE OR REPLACE PIPE "ANALYTICS"."BOOKSTORE_RAW"."BOOKS_PIPE"',
      'ALTER PIPE "ANALYTICS"."BOOKSTORE_RAW"."BOOKS_PIPE" SET PIPE_EXECUTION_PAUSED = TRUE',
      'EXECUTE IMMEDIATE $SNOWSTAGE_REFRESH_1',
      'ALTER PIPE "ANALYTICS"."BOOKSTORE_RAW"."BOOKS_PIPE" SET PIPE_EXECUTION_PAUSED = FALSE',
      'EXECUTE IMMEDIATE $$',
    ]);
    expect(migration).toContain('FROM @"ANALYTICS"."BOOKSTORE_RAW"."BOOKSTORE_STAGE"/catalogue/books/');
    const second = await runCli(['generate'], { cwd: work });
    expect(second.stdout).toContain('0 changed');
    expect((await runCli(['generate', '--check'], { cwd: work })).code).toBe(0);
  });

  it('apply runs a migration only when it is named, and a tree with migrations is not stale', async () => {
    await cp(join(ROOT, 'generated'), join(work, 'generated'), { recursive: true });
    const file = join(work, 'metadata/tables/books.yaml');
    await writeFile(file, `${await readFile(file, 'utf8')}s3_path: catalogue/books\n`);
    await runCli(['generate'], { cwd: work });
    const normal = await runCli(['apply', '--dry-run'], { cwd: work });
    expect(normal.code, normal.stderr).toBe(0);
    expect(normal.stdout).not.toContain('CREATE OR REPLACE PIPE');
    const named = await runCli(['apply', '--dry-run', '--migration', '001_recreate_pipe_books'], {
      cwd: work,
    });
    expect(named.code, named.stderr).toBe(0);
    expect(named.stdout).toContain('migrations/001_recreate_pipe_books.sql');
    expect(named.stdout).toContain('CREATE OR REPLACE PIPE');
    expect(named.stdout).not.toContain('CREATE TABLE IF NOT EXISTS');
    const unknown = await runCli(['apply', '--dry-run', '--migration', '002_nope'], { cwd: work });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no such migration (available: migrations/001_recreate_pipe_books.sql)');
  });

  it('a column added to the metadata needs no migration', async () => {
    await cp(join(ROOT, 'generated'), join(work, 'generated'), { recursive: true });
    const file = join(work, 'metadata/tables/books.yaml');
    await writeFile(file, `${await readFile(file, 'utf8')}  - { name: subtitle, type: varchar(300) }\n`);
    const run = await runCli(['generate'], { cwd: work });
    expect(run.stdout).not.toContain('migrations/');
  });

  it('a changed stage location alters the stage and recreates every pipe on it, in one migration', async () => {
    await cp(join(ROOT, 'generated'), join(work, 'generated'), { recursive: true });
    await keepOldLocation(work);
    const run = await runCli(['generate'], { cwd: work, env: { S3_BUCKET: 'bookstore-lake-eu' } });
    expect(run.code).toBe(0);
    const migration = await readFile(
      join(work, 'generated/bookstore/migrations/001_recreate_pipes.sql'),
      'utf8',
    );
    expect(migration).toContain("URL = 's3://bookstore-lake-eu/bookstore/data/'");
    expect(migration.match(/CREATE OR REPLACE PIPE/g)?.length).toBe(2);
    const alterStage = migration.indexOf('ALTER STAGE');
    expect(alterStage).toBeGreaterThan(
      migration.lastIndexOf('PIPE_EXECUTION_PAUSED = TRUE;', migration.indexOf('ALTER STAGE')),
    );
    expect(alterStage).toBeLessThan(migration.indexOf('CREATE OR REPLACE PIPE'));
  });
});

/** A bucket move keeps the old location allowed until its migration has run (test/cli/migrations.test.ts). */
async function keepOldLocation(dir: string): Promise<void> {
  const file = join(dir, 'metadata/pipeline.yaml');
  const text = await readFile(file, 'utf8');
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the YAML's own ${VAR} reference, not a template
  const line = '      - s3://${S3_BUCKET:-snowstage-bookstore}/bookstore/\n';
  if (!text.includes(line))
    throw new Error('pipeline.yaml no longer lists the allowed location this test expects');
  await writeFile(file, text.replace(line, `${line}      - s3://snowstage-bookstore/bookstore/\n`));
}

describe('the installed command', () => {
  it('runs generate --check from bin/snowstage.js on the repository', async () => {
    if (!existsSync(join(ROOT, 'dist/cli/main.js')))
      throw new Error('dist/ is missing: run `npm run build` (npm test does)');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(ROOT, 'bin/snowstage.js'), 'generate', '--check'],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '' },
      },
    );
    expect(stdout).toContain('generated/bookstore is up to date');
  });
});
