/**
 * npm run bench -- generate: `snowstage generate` of a wide pipeline (BENCH_GENERATE_TABLES, default 500 copies of
 * the example tables) as a child process, median of BENCH_RUNS (default 3) runs each: into an empty directory, again
 * with nothing to change, and `--check`. Baseline in the same invocation: the same command on the 2-table example,
 * so the ratio shows what the tables cost beyond starting the CLI. Needs `npm run build`.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { manyTablesWorkDir, removeWorkDir } from '../test/support/many-tables.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const exec = promisify(execFile);
const tables = Number(process.env.BENCH_GENERATE_TABLES ?? 500);
const runs = Number(process.env.BENCH_RUNS ?? 3);

export async function benchGenerate(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist/cli/main.js'))) throw new Error('run `npm run build` first');
  console.log(`\ngenerate: median of ${runs} runs each`);
  const fresh = new Map<number, number>();
  for (const count of [2, tables]) {
    const work = await manyTablesWorkDir(count);
    try {
      const intoEmpty = await median(async () => {
        await rm(join(work, 'generated'), { recursive: true, force: true });
        return timeGenerate(work, []);
      });
      const unchanged = await median(() => timeGenerate(work, []));
      const check = await median(() => timeGenerate(work, ['--check']));
      fresh.set(count, intoEmpty);
      console.log(
        `  ${String(count).padStart(4)} tables: into an empty directory ${intoEmpty.toFixed(2)} s, nothing to change ${unchanged.toFixed(2)} s, --check ${check.toFixed(2)} s`,
      );
    } finally {
      await removeWorkDir(work);
    }
  }
  const wide = fresh.get(tables) ?? 0;
  console.log(
    `  ${tables} tables take ${(wide / (fresh.get(2) ?? 1)).toFixed(1)}x the 2-table example (target: 500 tables into an empty directory under 1.5 s: ${wide < 1.5 ? 'yes' : 'NO'})`,
  );
}

async function timeGenerate(work: string, args: string[]): Promise<number> {
  const started = performance.now();
  await exec(process.execPath, [join(ROOT, 'bin/snowstage.js'), 'generate', ...args], {
    cwd: work,
    env: { PATH: process.env.PATH ?? '' },
    maxBuffer: 256 << 20,
  });
  return (performance.now() - started) / 1000;
}

async function median(run: () => Promise<number>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await run());
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}
