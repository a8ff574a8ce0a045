/**
 * CPU-seconds of a Node child process, reported by the child itself: an `--import` hook prints its
 * process.cpuUsage() (user + system, every thread) to stderr on exit. On the shared 2-core machine wall times move
 * with the other processes' load; CPU time says what the work itself costs.
 */
const HOOK =
  "process.on('exit',()=>{const u=process.cpuUsage();process.stderr.write('\\nbench-cpu-us '+(u.user+u.system)+'\\n')})";

/** Node options to put before the script. */
export const CPU_REPORT_ARGS = ['--import', `data:text/javascript,${encodeURIComponent(HOOK)}`];

/** The CPU-seconds the hook printed (the last report in stderr). */
export function childCpuSeconds(stderr: string): number {
  const reports = [...stderr.matchAll(/bench-cpu-us (\d+)/g)];
  const last = reports.at(-1);
  if (last === undefined) throw new Error(`no CPU report in the child's stderr: ${stderr.slice(-300)}`);
  return Number(last[1]) / 1e6;
}
