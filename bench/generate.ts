/**
 * npm run bench -- generate: `snowstage generate` of a wide pipeline (BENCH_GENERATE_TABLES, default 500 copies of
 * the example tables) as a child process, median of BENCH_RUNS (default 3) runs each: into an empty directory, again
 * with nothing to change, and `--check`. Baseline in the same invocation: the same command on the 2-table example,
 * so the ratio shows what the tables cost beyond starting the CLI. Needs `npm run build`.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { manyTablesWorkDir, removeWorkDir } from '../test/support/many-tables.js';
import { CPU_REPORT_ARGS, childCpuSeconds } from './child-cpu.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const exec = promisify(execFile);
const tables = Number(process.env.BENCH_GENERATE_TABLES ?? 500);
const runs = Number(process.env.BENCH_RUNS ?? 3);

export async function benchGenerate(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist/cli/main.js'))) throw new Error('run `npm run build` first');
  console.log(`\ngenerate: median of ${runs} runs each, wall seconds (CPU-seconds of the generate process)`);
  const fresh = new Map<number, number>();
  const works: string[] = [];
  try {
    for (const count of [2, tables]) {
      const work = await manyTablesWorkDir(count);
      works.push(work);
      // every run into a directory never used before; trees are deleted only after the last measurement
      let run = 0;
      const out = () => join(work, `generated-${run}`);
      // the disk's floor before and after: a bare node process writing the same files. On this VM's ext4 (no
      // journal) creating a file scans past every inode freed in the last 1-5 minutes (the kernel's
      // recently_deleted check), so after a test run or another bench deleted a large tree, file creation alone
      // costs seconds of system CPU; the floors show when a figure is the disk's and not generate's
      await timeGenerate(work, ['-o', out()]);
      let copy = 0;
      const floor = () => median(() => timeCopy(join(work, 'generated-0'), join(work, `copy-${++copy}`)));
      const floorBefore = await floor();
      const intoEmpty = await median(() => {
        run++;
        return timeGenerate(work, ['-o', out()]);
      });
      const unchanged = await median(() => timeGenerate(work, ['-o', out()]));
      const check = await median(() => timeGenerate(work, ['-o', out(), '--check']));
      fresh.set(count, intoEmpty.wall);
      console.log(
        `  ${String(count).padStart(4)} tables: into an empty directory ${show(intoEmpty)}, nothing to change ${show(unchanged)}, --check ${show(check)}`,
      );
      const floorAfter = await floor();
      console.log(
        `        writing the same files from a bare node process (the disk's floor): before ${show(floorBefore)}, after ${show(floorAfter)}`,
      );
      if (Math.max(floorBefore.wall, floorAfter.wall) > 1)
        console.log(
          '        the floor is over 1 s: files deleted in the last minutes slow file creation on this disk; rerun in 5 minutes for a figure of generate itself',
        );
    }
  } finally {
    for (const work of works) await removeWorkDir(work);
  }
  const wide = fresh.get(tables) ?? 0;
  console.log(
    `  ${tables} tables take ${(wide / (fresh.get(2) ?? 1)).toFixed(1)}x the 2-table example (target: 500 tables into an empty directory under 1.5 s: ${wide < 1.5 ? 'yes' : 'NO'})`,
  );
}

interface Timing {
  readonly wall: number;
  readonly cpu: number;
}

function show(t: Timing): string {
  return `${t.wall.toFixed(2)} s (${t.cpu.toFixed(2)} CPU-s)`;
}

async function timeGenerate(work: string, args: string[]): Promise<Timing> {
  const started = performance.now();
  const { stderr } = await exec(
    process.execPath,
    [...CPU_REPORT_ARGS, join(ROOT, 'bin/snowstage.js'), 'generate', ...args],
    { cwd: work, env: { PATH: process.env.PATH ?? '' }, maxBuffer: 256 << 20 },
  );
  return { wall: (performance.now() - started) / 1000, cpu: childCpuSeconds(stderr) };
}

/** Reads every file of a tree, then writes them all under `to`: what any generator pays to create the files. */
const COPY_TREE = `
const { readdirSync, readFileSync, writeFileSync, mkdirSync, statSync } = require('node:fs');
const { join, dirname } = require('node:path');
const [from, to] = process.argv.slice(1);
const files = readdirSync(from, { recursive: true }).filter((f) => statSync(join(from, f)).isFile());
for (const [f, c] of files.map((f) => [f, readFileSync(join(from, f))])) {
  mkdirSync(dirname(join(to, f)), { recursive: true });
  writeFileSync(join(to, f), c);
}`;

async function timeCopy(from: string, to: string): Promise<Timing> {
  const started = performance.now();
  const { stderr } = await exec(process.execPath, [...CPU_REPORT_ARGS, '-e', COPY_TREE, from, to], {
    env: { PATH: process.env.PATH ?? '' },
  });
  return { wall: (performance.now() - started) / 1000, cpu: childCpuSeconds(stderr) };
}

/** The run of median wall time, and separately the median CPU time. */
async function median(run: () => Promise<Timing>): Promise<Timing> {
  const timings: Timing[] = [];
  for (let i = 0; i < runs; i++) timings.push(await run());
  const middle = <T>(values: T[], by: (v: T) => number) =>
    values.sort((a, b) => by(a) - by(b))[Math.floor(values.length / 2)] as T;
  return { wall: middle([...timings], (t) => t.wall).wall, cpu: middle([...timings], (t) => t.cpu).cpu };
}
