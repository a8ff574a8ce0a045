/** The test S3 server (s3rver behind its shim) as a child process, so its CPU is measured apart from the extractor. */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

export async function startS3Child(
  work: string,
  bucket: string,
): Promise<{ child: ChildProcess; endpoint: string; bucket: string }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(ROOT, 'test/support/s3-server-main.ts'),
      '--port',
      '0',
      '--dir',
      join(work, 's3'),
      '--bucket',
      bucket,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout?.once('data', (d: Buffer) => resolve(d.toString()));
    child.once('exit', (code) => reject(new Error(`S3 server exited with ${code}`)));
  });
  const { endpoint } = JSON.parse(line) as { endpoint: string };
  return { child, endpoint, bucket };
}
