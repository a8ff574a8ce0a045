/**
 * npm run bench (second scenario; alone: npm run bench:many-tables): a scheduled extract of many small tables
 * with nothing new, where S3 round trips dominate.
 *   - 500 tables of 20 rows in database snowstage_bench_many (created once, then reused), metadata generated
 *     into a temp directory on every run;
 *   - s3rver in its own process behind a small HTTP proxy in this process that holds every request 20 ms
 *     before passing it on (an S3 round trip's order of magnitude) and counts them;
 *   - one extract to backfill every table, then, in the same invocation, a run with nothing new at the default
 *     settings and one with --concurrency 1, each timed and its S3 requests counted.
 * Env: BENCH_TABLES (default 500), BENCH_S3_DELAY_MS (default 20), BENCH_CPU_PROF=<dir> (a CPU profile of each
 * extract run), TEST_MYSQL_* as for the tests.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { CPU_REPORT_ARGS, childCpuSeconds } from './child-cpu.js';
import { mariadbPid, processCpu } from './process-cpu.js';
import { startS3Child } from './s3-child.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DATABASE = 'snowstage_bench_many';
const TABLES = Number(process.env.BENCH_TABLES ?? 500);
const ROWS_PER_TABLE = 20;
const DELAY_MS = Number(process.env.BENCH_S3_DELAY_MS ?? 20);
const exec = promisify(execFile);
const target = {
  host: process.env.TEST_MYSQL_HOST ?? '127.0.0.1',
  port: Number(process.env.TEST_MYSQL_PORT ?? 3306),
  user: process.env.TEST_MYSQL_USER ?? 'root',
  password: process.env.TEST_MYSQL_PASSWORD ?? '',
};
const names = Array.from({ length: TABLES }, (_, i) => `t_${String(i).padStart(4, '0')}`);

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'snowstage-bench-many-'));
  const s3 = await startS3(work);
  const proxy = await startDelayingProxy(s3.endpoint, DELAY_MS);
  try {
    console.log(
      `\n${TABLES} tables × ${ROWS_PER_TABLE} rows, S3 behind a proxy adding ${DELAY_MS} ms per request; load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    await ensureTables();
    const metadata = await writeMetadata(work, `many-${Date.now()}`, s3.bucket);
    const servers = { MariaDB: await mariadbPid(target.host), s3rver: s3.child.pid };
    const extract = (args: string[]) => runExtract(metadata, proxy, s3.bucket, args, servers);
    const backfill = await extract([]);
    console.log(`  backfill (default settings)  : ${line(backfill)}`);
    const quietDefault = await extract([]);
    const quietSerial = await extract(['--concurrency', '1']);
    console.log(`  nothing new, default         : ${line(quietDefault)}`);
    console.log(`  nothing new, --concurrency 1 : ${line(quietSerial)}`);
    console.log(
      `  ratio default / --concurrency 1: ${(quietDefault.seconds / quietSerial.seconds).toFixed(2)} (target: default under 15 s)`,
    );
  } finally {
    await new Promise((resolve) => proxy.server.close(resolve));
    s3.child.kill('SIGTERM');
    await rm(work, { recursive: true, force: true });
  }
}

interface Run {
  seconds: number;
  /** CPU-seconds: the extractor (reported by itself), then the servers over the same span (from /proc) */
  cpu: Record<string, number>;
  requests: number;
  byMethod: Record<string, number>;
  statuses: Record<string, number>;
}

function line(run: Run): string {
  const methods = Object.entries(run.byMethod)
    .map(([m, n]) => `${m} ${n}`)
    .join(', ');
  const cpu = Object.entries(run.cpu)
    .map(([name, seconds]) => `${name} ${seconds.toFixed(2)}`)
    .join(', ');
  return `${run.seconds.toFixed(2)} s, ${run.requests} S3 requests (${(run.requests / TABLES).toFixed(2)} per table: ${methods}); CPU-s ${cpu}; load average ${loadavg()[0]?.toFixed(1)}`;
}

/** One database of small tables, each with a primary key and a cursor index, rows stamped long ago. */
async function ensureTables(): Promise<void> {
  const connection = await mysql.createConnection({ ...target, multipleStatements: true });
  try {
    await connection.query(
      `CREATE DATABASE IF NOT EXISTS ${DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
    );
    await connection.query(`USE ${DATABASE}`);
    const [existing] = (await connection.query(
      "SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME LIKE 't\\_%'",
      [DATABASE],
    )) as unknown as [{ n: number }[]];
    if (Number(existing[0]?.n) >= TABLES) return;
    console.log(`  creating ${TABLES} tables (once)...`);
    const values = Array.from(
      { length: ROWS_PER_TABLE },
      (_, i) => `(${i + 1}, 'row ${i + 1}', TIMESTAMP('2024-01-01') + INTERVAL ${i} SECOND)`,
    ).join(', ');
    for (const name of names) {
      await connection.query(
        `CREATE TABLE IF NOT EXISTS ${name} (id INT NOT NULL PRIMARY KEY, label VARCHAR(50) NOT NULL, updated_at DATETIME(6) NOT NULL, KEY ${name}_cursor (updated_at, id)) ENGINE=InnoDB; DELETE FROM ${name}; INSERT INTO ${name} VALUES ${values};`,
      );
    }
  } finally {
    await connection.end();
  }
}

async function writeMetadata(work: string, prefix: string, bucket: string): Promise<string> {
  const dir = join(work, 'metadata');
  await mkdir(join(dir, 'tables'), { recursive: true });
  await writeFile(
    join(dir, 'pipeline.yaml'),
    `name: many
source:
  host: \${MYSQL_HOST}
  port: \${MYSQL_PORT}
  user: \${MYSQL_USER}
  password: \${MYSQL_PASSWORD:-}
  database: ${DATABASE}
s3:
  bucket: ${bucket}
  prefix: ${prefix}/
  region: us-east-1
snowflake:
  database: analytics
  raw_schema: many_raw
  target_schema: many
  role: snowstage_loader
  warehouse: etl_wh
  storage_integration:
    name: snowstage_many_s3
    aws_role_arn: arn:aws:iam::123456789012:role/snowstage-many
    allowed_locations:
      - s3://${bucket}/${prefix}/
defaults:
  merge_schedule:
    interval_minutes: 5
`,
  );
  for (const name of names) {
    await writeFile(
      join(dir, 'tables', `${name}.yaml`),
      `name: ${name}
source_table: ${name}
primary_key: [id]
cursor:
  column: updated_at
columns:
  - { name: id, type: int, nullable: false }
  - { name: label, type: varchar(50), nullable: false }
  - { name: updated_at, type: datetime(6), nullable: false }
`,
    );
  }
  return dir;
}

interface Proxy {
  server: ReturnType<typeof createServer>;
  endpoint: string;
  requests: { method: string; status: number }[];
}

/**
 * Holds each request DELAY ms, then forwards it unchanged (the Host header too, so the SigV4 signature made
 * for the proxy's address still matches), and records it.
 */
async function startDelayingProxy(upstream: string, delayMs: number): Promise<Proxy> {
  const to = new URL(upstream);
  const requests: Proxy['requests'] = [];
  const server = createServer((req, res) => {
    req.pause();
    setTimeout(() => {
      const forward = request(
        { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          requests.push({ method: req.method ?? '?', status: answer.statusCode ?? 0 });
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', (error) => res.destroy(error));
      req.pipe(forward);
      req.resume();
    }, delayMs);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, endpoint: `http://127.0.0.1:${port}`, requests };
}

async function runExtract(
  metadata: string,
  proxy: Proxy,
  bucket: string,
  args: string[],
  servers: Record<string, number | undefined>,
): Promise<Run> {
  const env = {
    PATH: process.env.PATH ?? '',
    MYSQL_HOST: target.host,
    MYSQL_PORT: String(target.port),
    MYSQL_USER: target.user,
    MYSQL_PASSWORD: target.password,
    S3_BUCKET: bucket,
    AWS_ENDPOINT_URL_S3: proxy.endpoint,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
  };
  const before = proxy.requests.length;
  const serversBefore = await Promise.all(Object.values(servers).map(processCpu));
  const started = performance.now();
  // -o: a directory that does not exist, so the generated/ freshness check only notes it cannot check
  const cli = [join(ROOT, 'bin/snowstage.js'), 'extract', '-m', metadata, '-o', join(metadata, 'none')];
  const profile = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF]
    : [];
  const { stdout, stderr } = await exec(process.execPath, [...CPU_REPORT_ARGS, ...profile, ...cli, ...args], {
    cwd: ROOT,
    env,
    maxBuffer: 256 << 20,
  }).catch((error: { stdout?: string; stderr?: string }) => {
    throw new Error(`extract failed: ${error.stderr ?? ''}\n${(error.stdout ?? '').slice(-4000)}`);
  });
  const seconds = (performance.now() - started) / 1000;
  const serversAfter = await Promise.all(Object.values(servers).map(processCpu));
  const cpu: Record<string, number> = { extractor: childCpuSeconds(stderr) };
  Object.keys(servers).forEach((name, i) => {
    const [start, end] = [serversBefore[i], serversAfter[i]];
    if (start !== undefined && end !== undefined) cpu[name] = end - start;
  });
  const summaries = stdout
    .split('\n')
    .filter((l) => l.includes('"table_summary"'))
    .map((l) => JSON.parse(l) as { status: string });
  const ok = summaries.filter((s) => s.status === 'ok').length;
  if (ok !== TABLES) throw new Error(`${ok} of ${TABLES} tables ok:\n${stdout.slice(-4000)}`);
  const requests = proxy.requests.slice(before);
  const count = (key: (r: (typeof requests)[number]) => string) =>
    requests.reduce<Record<string, number>>((acc, r) => {
      acc[key(r)] = (acc[key(r)] ?? 0) + 1;
      return acc;
    }, {});
  return {
    seconds,
    cpu,
    requests: requests.length,
    byMethod: count((r) => r.method),
    statuses: count((r) => String(r.status)),
  };
}

function startS3(work: string): ReturnType<typeof startS3Child> {
  return startS3Child(work, 'snowstage-bench-many');
}

await main();
