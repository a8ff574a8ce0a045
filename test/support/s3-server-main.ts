/**
 * The test S3 (shimmed s3rver, see s3.ts) as its own process, for tests that run snowstage as a child
 * process or need S3 to outlive one test file:
 *
 *   node --import tsx test/support/s3-server-main.ts [--port 0] [--host 127.0.0.1] [--dir <d>] [--bucket <b>]...
 *
 * When ready it prints exactly one JSON line on stdout, `{"endpoint","bucket","buckets","port","directory"}`
 * (`bucket` is the first bucket), and nothing else. SIGTERM/SIGINT stop it and exit 0. Without `--dir` a
 * temp directory is used and removed on exit; a given `--dir` is left in place.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomBucketName, startS3Server } from './s3.js';

interface Arguments {
  port: number;
  host: string;
  directory: string | undefined;
  buckets: string[];
}

function parseArguments(argv: string[]): Arguments {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      dir: { type: 'string' },
      bucket: { type: 'string', multiple: true },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`--port: not a port: ${values.port}`);
  const buckets = values.bucket ?? [];
  return {
    port,
    host: values.host,
    directory: values.dir,
    buckets: buckets.length > 0 ? buckets : [randomBucketName()],
  };
}

async function main(): Promise<void> {
  const args = parseArguments(process.argv.slice(2));
  const ownsDirectory = args.directory === undefined;
  const directory = args.directory ?? (await mkdtemp(join(tmpdir(), 'snowstage-s3-')));
  const server = await startS3Server({ port: args.port, host: args.host, directory, buckets: args.buckets });

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await server.close();
    if (ownsDirectory) await rm(directory, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());

  const ready = {
    endpoint: server.endpoint,
    bucket: args.buckets[0],
    buckets: args.buckets,
    port: server.port,
    directory,
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`s3-server-main: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
