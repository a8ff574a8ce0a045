/**
 * Issue 10, "a newcomer's path from an existing database to generated SQL and first files in S3 is at most four
 * commands; the README shows it". This test runs the README's own commands (section "Starting from an existing
 * database"), read from README.md, so the documented path cannot drift from what works: a real s3rver started the
 * way the README starts it, then the built CLI as a child process (`npx snowstage` → `node bin/snowstage.js`) in an
 * empty directory holding only the example `metadata/pipeline.yaml`. The only substitution is the one a machine
 * running tests in parallel needs: a free port for s3rver.
 *
 * Two databases: the bookstore fixture the README names, and the small shop of issue 10 (customers, orders,
 * order_items with a composite key and an unindexed cursor, a lookup table without an update time and a log table
 * without any key), which must reach S3 with no hand edit: introspect suggests mode: snapshot where it has to.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { readCsvGz } from '../support/csv.js';
import { createTestDatabase, type TestDatabase } from '../support/mysql.js';
import { ROOT } from '../support/pipeline.js';

const SECTION = '## Starting from an existing database';
const CLI = `node ${join(ROOT, 'bin/snowstage.js')}`;
const S3RVER = `node ${join(ROOT, 'node_modules/.bin/s3rver')}`;

interface Newcomer {
  db: TestDatabase;
  work: string;
  s3rver?: ChildProcess;
}

let current: Newcomer | undefined;

afterEach(async () => {
  const s3rver = current?.s3rver;
  if (s3rver && s3rver.exitCode === null) {
    s3rver.kill('SIGTERM');
    await once(s3rver, 'exit');
  }
  if (current) await rm(current.work, { recursive: true, force: true });
  await current?.db.drop();
  current = undefined;
});

async function newcomer(fixture: string): Promise<Newcomer> {
  const db = await createTestDatabase(`newcomer_${fixture}`);
  const work = await mkdtemp(join(tmpdir(), 'snowstage-newcomer-'));
  current = { db, work };
  await db.runSqlFile(`${ROOT}test/fixtures/${fixture}.sql`);
  await mkdir(join(work, 'metadata'));
  await writeFile(join(work, 'metadata/pipeline.yaml'), await readFile(join(ROOT, 'metadata/pipeline.yaml')));
  return current;
}

/** The README's shell block of the section, its `\`-continued lines joined, one entry per command. */
async function readmeCommands(): Promise<string[]> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf(SECTION));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error(`README.md: no \`\`\`sh block after "${SECTION}"`);
  return block
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .filter((line) => line.trim() !== '');
}

/** Starts the README's s3rver line (without its `&`) on a free port; resolves with the port it listens on. */
async function startS3rver(n: Newcomer, line: string): Promise<number> {
  const command = line
    .replace(/#.*$/, '')
    .replace(/&\s*$/, '')
    .replace('npx s3rver', S3RVER)
    .replace(/-p \d+/, '-p 0');
  const s3rver = spawn('bash', ['-c', `exec ${command}`], { cwd: n.work, stdio: ['ignore', 'pipe', 'pipe'] });
  n.s3rver = s3rver;
  let output = '';
  return new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const port = /listening on [\d.]+:(\d+)/.exec(output)?.[1];
      if (port) resolve(Number(port));
    };
    s3rver.stdout.on('data', onData);
    s3rver.stderr.on('data', onData);
    s3rver.on('exit', (code) => reject(new Error(`s3rver exited with ${code}: ${output}`)));
  });
}

async function runShell(n: Newcomer, script: string): Promise<{ code: number | null; output: string }> {
  const child = spawn('bash', ['-euo', 'pipefail', '-c', script], {
    cwd: n.work,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: n.work,
      MYSQL_HOST: n.db.target.host,
      MYSQL_PORT: String(n.db.target.port),
      MYSQL_USER: n.db.target.user,
      MYSQL_PASSWORD: n.db.target.password,
      MYSQL_DATABASE: n.db.database,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output };
}

/** Runs the README's four commands; returns what the last one printed. */
async function runReadmePath(n: Newcomer): Promise<string> {
  const commands = await readmeCommands();
  expect(commands.map((c) => /# (\d)\./.exec(c)?.[1])).toEqual(['1', '2', '3', '4']);
  const [s3Line, ...rest] = commands as [string, ...string[]];
  expect(s3Line).toMatch(/^npx s3rver .*&/);
  const port = await startS3rver(n, s3Line);
  const script = rest
    .map((c) => c.replaceAll('npx snowstage', CLI).replace(/127\.0\.0\.1:\d+/g, `127.0.0.1:${port}`))
    .join('\n');
  const run = await runShell(n, script);
  expect(run.code, run.output).toBe(0);
  return run.output;
}

async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(directory, join(e.parentPath, e.name)));
}

async function mysqlCount(db: TestDatabase, table: string): Promise<number> {
  const [rows] = (await db.pool.query(`SELECT COUNT(*) AS n FROM \`${table}\``)) as unknown as [
    { n: number }[],
  ];
  return Number(rows[0]?.n);
}

/** Every MySQL row of each table is in the data files under the pipeline's prefix (completion markers aside). */
async function expectRowsInBucket(n: Newcomer, tables: readonly string[]): Promise<void> {
  const bucket = join(n.work, '.s3/snowstage-bookstore');
  const objects = (await filesUnder(bucket)).filter((f) => f.endsWith('.csv.gz._S3rver_object'));
  for (const table of tables) {
    const files = objects.filter(
      (f) => f.startsWith(`bookstore/data/${table}/`) && !f.endsWith('/complete.csv.gz._S3rver_object'),
    );
    expect(files.length, `${table}: ${objects.join(', ')}`).toBeGreaterThan(0);
    let rows = 0;
    for (const file of files) rows += readCsvGz(await readFile(join(bucket, file))).records.length;
    expect(rows, table).toBe(await mysqlCount(n.db, table));
    expect(rows, table).toBeGreaterThan(0);
  }
}

it('the README path on the bookstore: a local S3, introspect --write, generate, extract', async () => {
  const n = await newcomer('bookstore');
  await runReadmePath(n);
  // 2. introspect --write: one table file per MySQL table
  expect((await readdir(join(n.work, 'metadata/tables'))).sort()).toEqual([
    'book_reviews.yaml',
    'books.yaml',
  ]);
  // 3. generate: the reviewed SQL, per table in apply order
  const generated = await filesUnder(join(n.work, 'generated/bookstore'));
  expect(generated).toContain('1_pipeline/4_stage.sql');
  expect(generated).toContain('2_tables/books/4_pipe.sql');
  expect(generated).toContain('2_tables/book_reviews/5_merge_task.sql');
  // 4. extract: every MySQL row in gzip CSV files, in the bucket s3rver created
  await expectRowsInBucket(n, ['books', 'book_reviews']);
});

it('the same four commands on the shop of issue 10: a table without an update time and one without a key too', async () => {
  const n = await newcomer('shop');
  await runReadmePath(n);
  const tables = ['countries', 'customers', 'order_items', 'orders', 'page_views'];
  expect((await readdir(join(n.work, 'metadata/tables'))).sort()).toEqual(tables.map((t) => `${t}.yaml`));
  const mode = async (t: string) =>
    /^mode: (\w+)$/m.exec(await readFile(join(n.work, `metadata/tables/${t}.yaml`), 'utf8'))?.[1];
  expect(await mode('countries')).toBe('snapshot');
  expect(await mode('page_views')).toBe('snapshot');
  expect(await mode('orders')).toBeUndefined();
  const generated = await filesUnder(join(n.work, 'generated/bookstore'));
  expect(generated).toContain('2_tables/page_views/5_snapshot.sql');
  expect(generated).toContain('2_tables/order_items/5_merge_task.sql');
  await expectRowsInBucket(n, tables);
});
