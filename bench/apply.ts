/**
 * npm run bench -- apply: `snowstage apply` of a wide pipeline (BENCH_APPLY_TABLES, default 100 copies of the example
 * tables) against the local snowflake-sdk endpoint (test/support/fake-snowflake.ts), which answers every statement
 * after BENCH_APPLY_DELAY_MS (default 200, about what a DDL statement costs on a real account). Baseline and
 * measurement in one invocation: `--parallel 1` (one statement after another, the behaviour before issue 13), then
 * the default. Prints wall time, statements sent and the ratio. Needs `npm run build` (runs bin/snowstage.js).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { generateCommand } from '../src/cli/commands/generate.js';
import { startFakeSnowflake } from '../test/support/fake-snowflake.js';
import { manyTablesWorkDir, removeWorkDir } from '../test/support/many-tables.js';
import { CPU_REPORT_ARGS, childCpuSeconds } from './child-cpu.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const exec = promisify(execFile);
const tables = Number(process.env.BENCH_APPLY_TABLES ?? 100);
const delayMs = Number(process.env.BENCH_APPLY_DELAY_MS ?? 200);

interface ApplyRun {
  readonly label: string;
  readonly seconds: number;
  /** CPU-seconds of the apply process */
  readonly cpu: number;
  readonly statements: number;
  readonly maxInFlight: number;
}

export async function benchApply(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist/cli/main.js'))) throw new Error('run `npm run build` first');
  const work = await manyTablesWorkDir(tables);
  try {
    const quiet = { write: () => true };
    const code = await generateCommand(
      { stdout: quiet, stderr: quiet, env: {}, cwd: work },
      { metadata: 'metadata', out: 'generated', check: false },
    );
    if (code !== 0) throw new Error(`generate failed with ${code}`);
    console.log(`\napply: ${tables} tables, ${delayMs} ms added to every statement by the local endpoint`);
    const baseline = await runApply(work, 'apply --parallel 1', ['--parallel', '1']);
    const parallel = await runApply(work, 'apply (default --parallel)', []);
    for (const run of [baseline, parallel]) {
      console.log(
        `  ${run.label.padEnd(28)}: ${run.seconds.toFixed(1)} s (${run.cpu.toFixed(2)} CPU-s of apply; load average ${loadavg()[0]?.toFixed(1)}), ${run.statements} statements, at most ${run.maxInFlight} at once`,
      );
    }
    console.log(
      `  speed-up: ${(baseline.seconds / parallel.seconds).toFixed(2)}x (target ≥ 4x with the same statements: ${baseline.statements === parallel.statements ? 'same' : 'DIFFERENT'} count; default run under 120 s: ${parallel.seconds < 120 ? 'yes' : 'NO'})`,
    );
  } finally {
    await removeWorkDir(work);
  }
}

async function runApply(work: string, label: string, args: string[]): Promise<ApplyRun> {
  const fake = await startFakeSnowflake({ statementDelayMs: delayMs });
  try {
    const env = {
      PATH: process.env.PATH ?? '',
      SNOWFLAKE_ACCOUNT: 'benchacct',
      SNOWFLAKE_USER: 'loader',
      SNOWFLAKE_PASSWORD: 'bench',
      SNOWFLAKE_ACCESS_URL: fake.accessUrl,
    };
    const started = performance.now();
    const { stderr } = await exec(
      process.execPath,
      [...CPU_REPORT_ARGS, join(ROOT, 'bin/snowstage.js'), 'apply', '--no-notifications', ...args],
      { cwd: work, env, maxBuffer: 256 << 20 },
    );
    const seconds = (performance.now() - started) / 1000;
    return {
      label,
      seconds,
      cpu: childCpuSeconds(stderr),
      statements: fake.statements.length,
      maxInFlight: fake.inFlight.max,
    };
  } finally {
    await fake.close();
  }
}
