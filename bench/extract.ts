/**
 * npm run bench: extraction speed and memory against a reference pipeline, in one invocation.
 *   (a) reference: mariadb --quick --batch -e 'SELECT …' | gzip -1 > file
 *   (b) snowstage extract of the same table (full backfill) to an S3 server on loopback in a separate process
 *   (c) then, with delete_detection added, `extract --key-snapshot`: an empty incremental run and a key snapshot
 *       (primary-key column only, in key order) of the whole table: its time, key rows and gzip bytes
 * at 1,000,000 and 4,000,000 rows of book_reviews (created once in database snowstage_bench, then reused).
 * Prints rows/s, the extractor's peak RSS and the time ratio b/a. Env: BENCH_SIZES=1000000,4000000,
 * TEST_MYSQL_HOST/PORT/USER/PASSWORD as for the tests, BENCH_WRAP (below).
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { mariadbPid, processCpu } from './process-cpu.js';
import { startS3Child } from './s3-child.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DATABASE = 'snowstage_bench';
const exec = promisify(execFile);
const target = {
  host: process.env.TEST_MYSQL_HOST ?? '127.0.0.1',
  port: Number(process.env.TEST_MYSQL_PORT ?? 3306),
  user: process.env.TEST_MYSQL_USER ?? 'root',
  password: process.env.TEST_MYSQL_PASSWORD ?? '',
};
const sizes = (process.env.BENCH_SIZES ?? '1000000,4000000').split(',').map(Number);

interface Measure {
  seconds: number;
  peakRssMb?: number;
  bytes?: number;
  /** CPU-seconds (user + system) per process taking part, to show where the two cores went. */
  cpu: Record<string, number>;
}

/** Runs `work`, adding the CPU that the server processes spent meanwhile to the measure it returns. */
async function withServerCpu<M extends Measure>(
  servers: Record<string, number | undefined>,
  work: () => Promise<M>,
): Promise<M> {
  const before = await Promise.all(Object.values(servers).map(processCpu));
  const measure = await work();
  const after = await Promise.all(Object.values(servers).map(processCpu));
  Object.keys(servers).forEach((name, i) => {
    const [start, end] = [before[i], after[i]];
    if (start !== undefined && end !== undefined) measure.cpu[name] = end - start;
  });
  return measure;
}

/** `/usr/bin/time` output: peak RSS and the CPU of the command and everything it waited for. */
function parseTime(stderr: string): { peakRssMb: number; cpu: number } {
  const match = /TIME_STATS (\d+) ([\d.]+) ([\d.]+)/.exec(stderr);
  if (!match) throw new Error(`no /usr/bin/time line in: ${stderr.slice(-500)}`);
  return { peakRssMb: Number(match[1]) / 1024, cpu: Number(match[2]) + Number(match[3]) };
}

const TIME_FORMAT = ['-f', 'TIME_STATS %M %U %S'];
/** BENCH_WRAP: a command (split on spaces) run around the extractor of (b), e.g. `valgrind --tool=callgrind` for
 * instruction counts that the load of a shared machine does not move, or bench/mariadb-threads.sh */
const WRAP = process.env.BENCH_WRAP ? process.env.BENCH_WRAP.split(' ') : [];

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'snowstage-bench-'));
  const s3 = await startS3(work);
  try {
    console.log(`node ${process.version}, ${(await exec('nproc')).stdout.trim()} cores`);
    for (const rows of sizes) {
      const table = await ensureTable(rows);
      const mariadb = await mariadbPid(target.host);
      const reference = await withServerCpu({ MariaDB: mariadb }, () => runReference(table, work));
      const extract = await withServerCpu({ MariaDB: mariadb, s3rver: s3.child.pid }, () =>
        runExtract(table, rows, work, s3.endpoint, s3.bucket),
      );
      report(rows, reference, extract);
      const keys = await withServerCpu({ MariaDB: mariadb, s3rver: s3.child.pid }, () =>
        runKeySnapshot(rows, work, s3.endpoint, s3.bucket),
      );
      reportKeys(rows, keys);
    }
  } finally {
    s3.child.kill('SIGTERM');
    await rm(work, { recursive: true, force: true });
  }
}

function report(rows: number, reference: Measure, extract: Measure): void {
  const rate = (m: Measure) => Math.round(rows / m.seconds).toLocaleString('en-US');
  console.log(`\n${rows.toLocaleString('en-US')} rows`);
  console.log(
    `  (a) mariadb --quick --batch | gzip -1 : ${reference.seconds.toFixed(2)} s, ${rate(reference)} rows/s, ${mb(reference.bytes)} MB gz`,
  );
  console.log(
    `  (b) snowstage extract → S3 (loopback) : ${extract.seconds.toFixed(2)} s, ${rate(extract)} rows/s, ${mb(extract.bytes)} MB gz, peak RSS ${extract.peakRssMb?.toFixed(0)} MB`,
  );
  for (const [label, m] of [
    ['a', reference],
    ['b', extract],
  ] as const)
    console.log(`  CPU-s (${label}): ${cpuLine(m.cpu)}`);
  console.log(
    `  ratio b/a: ${(extract.seconds / reference.seconds).toFixed(2)}  (target ≤ 1.0; peak RSS target ≤ 200 MB)`,
  );
}

function reportKeys(rows: number, keys: Measure & { keySeconds: number; keyRows: number }): void {
  console.log(
    `  (c) key snapshot (extract --key-snapshot) : ${keys.keySeconds.toFixed(2)} s for ${keys.keyRows.toLocaleString('en-US')} keys (whole run ${keys.seconds.toFixed(2)} s), ${mb(keys.bytes)} MB gz, peak RSS ${keys.peakRssMb?.toFixed(0)} MB`,
  );
  console.log(`  CPU-s (c): ${cpuLine(keys.cpu)}`);
  if (keys.keyRows !== rows) console.log(`  (c) expected ${rows} keys`);
}

function cpuLine(cpu: Record<string, number>): string {
  const total = Object.values(cpu).reduce((sum, seconds) => sum + seconds, 0);
  const parts = Object.entries(cpu).map(([name, seconds]) => `${name} ${seconds.toFixed(2)}`);
  return `${parts.join(', ')}; total ${total.toFixed(2)}`;
}

const mb = (bytes?: number) => ((bytes ?? 0) / 1_048_576).toFixed(1);

/** book_reviews-shaped rows of about 255 bytes, reused across invocations. */
async function ensureTable(rows: number): Promise<string> {
  const table = `book_reviews_${rows}`;
  const connection = await mysql.createConnection({ ...target, multipleStatements: true });
  try {
    await connection.query(
      `CREATE DATABASE IF NOT EXISTS ${DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
    );
    await connection.query(`USE ${DATABASE}`);
    const [existing] = (await connection.query(
      'SELECT TABLE_ROWS AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
      [DATABASE, table],
    )) as unknown as [{ n: number }[]];
    if (existing.length > 0) {
      const [[count]] = (await connection.query(`SELECT COUNT(*) AS n FROM ${table}`)) as unknown as [
        [{ n: number }],
      ];
      if (Number(count?.n) === rows) return table;
      await connection.query(`DROP TABLE ${table}`);
    }
    console.log(`creating ${table} (${rows} rows, once)...`);
    const schema = await readFile(join(ROOT, 'test/fixtures/bookstore.sql'), 'utf8');
    const create = /CREATE TABLE `?book_reviews`?[\s\S]*?\)[^;]*;/i.exec(schema)?.[0];
    if (!create) throw new Error('book_reviews DDL not found in the fixture');
    await connection.query(create.replace(/book_reviews/, table));
    await connection.query('CREATE TABLE IF NOT EXISTS bench_digits (d INT NOT NULL)');
    await connection.query('DELETE FROM bench_digits');
    await connection.query('INSERT INTO bench_digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)');
    const millions = Math.ceil(rows / 1_000_000);
    for (let m = 0; m < millions; m++) {
      await connection.query(
        `INSERT INTO ${table} (review_id, book_id, reviewer, rating, review_text, helpful_votes, reviewed_at, updated_at, is_deleted)
         SELECT ${m * 1_000_000} + a.d + 10*b.d + 100*c.d + 1000*e.d + 10000*f.d + 100000*g.d + 1,
                1 + (a.d * 7 + b.d * 3) % 20, CONCAT('reader_', c.d, e.d, f.d, g.d), 1 + (a.d + c.d) % 5,
                CONCAT('A review: ', MD5(RAND()), ' "quoted", comma, ', MD5(RAND()), ' ', REPEAT('x', 80 + a.d * 5)),
                b.d * 100 + c.d, TIMESTAMP('2024-01-01') + INTERVAL (a.d + 10*b.d + 100*c.d) SECOND,
                TIMESTAMP('2024-06-01') + INTERVAL (e.d + 10*f.d + 100*g.d) MINUTE, a.d = 9
         FROM bench_digits a, bench_digits b, bench_digits c, bench_digits e, bench_digits f, bench_digits g`,
      );
    }
    if (millions * 1_000_000 > rows)
      await connection.query(`DELETE FROM ${table} WHERE review_id > ?`, [rows]);
    return table;
  } finally {
    await connection.end();
  }
}

async function runReference(table: string, work: string): Promise<Measure> {
  const file = join(work, 'reference.tsv.gz');
  const args = `-h ${target.host} -P ${target.port} -u ${target.user}${target.password ? ` -p${target.password}` : ''}`;
  const started = performance.now();
  const { stderr } = await exec(
    '/usr/bin/time',
    [
      ...TIME_FORMAT,
      'bash',
      '-c',
      `set -o pipefail; mariadb --quick --batch ${args} -e 'SELECT * FROM ${table}' ${DATABASE} | gzip -1 > ${file}`,
    ],
    { maxBuffer: 1 << 20 },
  );
  const seconds = (performance.now() - started) / 1000;
  const { stdout } = await exec('stat', ['-c', '%s', file]);
  await rm(file);
  return { seconds, bytes: Number(stdout), cpu: { 'mariadb client + gzip': parseTime(stderr).cpu } };
}

async function runExtract(
  table: string,
  rows: number,
  work: string,
  endpoint: string,
  bucket: string,
): Promise<Measure> {
  const metadata = join(work, `metadata-${rows}`);
  await rm(metadata, { recursive: true, force: true });
  await cp(join(ROOT, 'metadata'), metadata, { recursive: true });
  await rm(join(metadata, 'tables/books.yaml'));
  const reviews = join(metadata, 'tables/book_reviews.yaml');
  await writeFile(
    reviews,
    (await readFile(reviews, 'utf8')).replace('source_table: book_reviews', `source_table: ${table}`),
  );
  const prefix = `bench-${rows}-${Date.now()}`;
  prefixes.set(rows, prefix);
  const pipeline = join(metadata, 'pipeline.yaml');
  await writeFile(
    pipeline,
    (await readFile(pipeline, 'utf8'))
      .replace('prefix: bookstore/', `prefix: ${prefix}/`)
      .replaceAll('/bookstore/', `/${prefix}/`),
  );
  const env = benchEnv(endpoint, bucket);
  const started = performance.now();
  const { stdout, stderr } = await exec(
    '/usr/bin/time',
    [
      ...TIME_FORMAT,
      ...WRAP,
      process.execPath,
      join(ROOT, 'bin/snowstage.js'),
      'extract',
      '-m',
      metadata,
      // a directory that does not exist: the generated/ freshness check (this metadata names another table and
      // prefix than the committed generated/) only notes that it cannot check, and renders nothing
      '-o',
      join(metadata, 'none'),
    ],
    { cwd: ROOT, env, maxBuffer: 64 << 20 },
  );
  const seconds = (performance.now() - started) / 1000;
  const summary = tableSummary(stdout);
  if (summary?.status !== 'ok' || summary.rows !== rows)
    throw new Error(`extract failed: ${stdout}\n${stderr}`);
  const { peakRssMb, cpu } = parseTime(stderr);
  return { seconds, peakRssMb, bytes: summary.compressedBytes, cpu: { extractor: cpu } };
}

/** The metadata prefix each size's extraction wrote under, so (c) runs on its state. */
const prefixes = new Map<number, string>();

interface Summary {
  rows: number;
  compressedBytes: number;
  status: string;
  keySnapshot?: { rows: number; compressedBytes: number; durationMs: number };
}

function tableSummary(stdout: string): Summary | undefined {
  return stdout
    .split('\n')
    .filter((l) => l.includes('"table_summary"'))
    .map((l) => JSON.parse(l) as Summary)[0];
}

/** (c): the metadata of (b) with delete_detection, `extract --key-snapshot` on the state (b) left. */
async function runKeySnapshot(
  rows: number,
  work: string,
  endpoint: string,
  bucket: string,
): Promise<Measure & { keySeconds: number; keyRows: number }> {
  const metadata = join(work, `metadata-${rows}`);
  const reviews = join(metadata, 'tables/book_reviews.yaml');
  await writeFile(reviews, `${await readFile(reviews, 'utf8')}delete_detection:\n  every_minutes: 1440\n`);
  const started = performance.now();
  const { stdout, stderr } = await exec(
    '/usr/bin/time',
    [
      ...TIME_FORMAT,
      process.execPath,
      join(ROOT, 'bin/snowstage.js'),
      'extract',
      '-m',
      metadata,
      '--key-snapshot',
      '-o',
      join(metadata, 'none'),
    ],
    { cwd: ROOT, env: benchEnv(endpoint, bucket), maxBuffer: 64 << 20 },
  );
  const seconds = (performance.now() - started) / 1000;
  const keys = tableSummary(stdout)?.keySnapshot;
  if (!keys) throw new Error(`no key snapshot (prefix ${prefixes.get(rows)}): ${stdout}\n${stderr}`);
  const { peakRssMb, cpu } = parseTime(stderr);
  return {
    seconds,
    peakRssMb,
    bytes: keys.compressedBytes,
    cpu: { extractor: cpu },
    keySeconds: keys.durationMs / 1000,
    keyRows: keys.rows,
  };
}

function benchEnv(endpoint: string, bucket: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    MYSQL_HOST: target.host,
    MYSQL_PORT: String(target.port),
    MYSQL_USER: target.user,
    MYSQL_PASSWORD: target.password,
    MYSQL_DATABASE: DATABASE,
    S3_BUCKET: bucket,
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
  };
}

function startS3(work: string): ReturnType<typeof startS3Child> {
  return startS3Child(work, 'snowstage-bench');
}

await main();
