/** CPU-seconds of processes on this machine (the MariaDB server, the S3 server child), read from /proc. */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const exec = promisify(execFile);

const CLOCK_TICKS = 100;

/** user + system CPU-seconds of a local process so far, from /proc (undefined when it is not on this machine). */
export async function processCpu(pid: number | undefined): Promise<number | undefined> {
  if (!pid) return undefined;
  try {
    const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).replace(/^.*\) /, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

export async function mariadbPid(host: string): Promise<number | undefined> {
  if (host !== '127.0.0.1' && host !== 'localhost') return undefined;
  for (const name of ['mariadbd', 'mysqld']) {
    const found = await exec('pidof', ['-s', name]).catch(() => undefined);
    if (found?.stdout.trim()) return Number(found.stdout.trim());
  }
  return undefined;
}
