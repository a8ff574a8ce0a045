/**
 * The extraction handler's settings, read from the function's environment (4 KB in all on Lambda): the same knobs
 * as `snowstage extract`'s flags, with defaults sized for one invocation of at most 15 minutes.
 */
import { join } from 'node:path';
import type { ExtractSettings } from '../extract/run-types.js';
import { DEFAULT_SESSION_LIMITS } from '../extract/session.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface LambdaSettings {
  readonly metadataDir: string;
  readonly marginMs: number;
  readonly extract: Omit<ExtractSettings, 'owner' | 'backfill'>;
}

/**
 * Files close at 32 MB by default (the CLI's 128 MB): a file unfinished at the deadline is discarded and read
 * again by the next invocation, so smaller files lose less work.
 */
const DEFAULTS = {
  SNOWSTAGE_FILE_SIZE_MB: 32,
  SNOWSTAGE_CHUNK_ROWS: 50_000,
  SNOWSTAGE_BACKFILL_CONNECTIONS: 2,
  SNOWSTAGE_LEASE_TTL_SECONDS: 300,
  SNOWSTAGE_DEADLINE_MARGIN_SECONDS: 60,
} as const;

export function lambdaSettings(env: Env, cwd: string): LambdaSettings {
  const number = (name: keyof typeof DEFAULTS): number => {
    const text = env[name];
    if (text === undefined || text === '') return DEFAULTS[name];
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0)
      throw new Error(`environment variable ${name} is ${JSON.stringify(text)}, expected a positive number`);
    return value;
  };
  return {
    // LAMBDA_TASK_ROOT is where the deployment package is unpacked; metadata/ travels in the bundle
    metadataDir: env.SNOWSTAGE_METADATA_DIR || join(env.LAMBDA_TASK_ROOT || cwd, 'metadata'),
    marginMs: number('SNOWSTAGE_DEADLINE_MARGIN_SECONDS') * 1000,
    extract: {
      chunkRows: Math.floor(number('SNOWSTAGE_CHUNK_ROWS')),
      targetFileBytes: Math.round(number('SNOWSTAGE_FILE_SIZE_MB') * 1024 * 1024),
      gzipLevel: 1,
      leaseTtlMs: number('SNOWSTAGE_LEASE_TTL_SECONDS') * 1000,
      maxAttempts: 3,
      backfillConnections: Math.floor(number('SNOWSTAGE_BACKFILL_CONNECTIONS')),
      sessionLimits: DEFAULT_SESSION_LIMITS,
    },
  };
}
