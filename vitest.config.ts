import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // starts a private MariaDB when none answers at 127.0.0.1:3306 (and TEST_MYSQL_* are not set)
    globalSetup: ['test/global-setup.ts'],
    // A safety net against hangs, not a speed check: on a 2-core machine kept busy by other work, the longest e2e
    // scenarios (test/e2e/rounds.test.ts: 25 s when quiet) took over 100 s.
    testTimeout: 240_000,
    hookTimeout: 120_000,
    // MySQL- and S3-backed suites create their own databases and buckets, so files may run in parallel.
    pool: 'forks',
    // vitest's default is availableParallelism() - 1, a single worker on the 2-core CI machine, but the slow files
    // (test/e2e, test/extract, test/apply) spend much of their time waiting on MariaDB, s3rver, DuckDB and child
    // processes. `vitest run` on the 2-core machine, quiet / beside two busy `yes` processes: 1 worker 339 s / 515 s,
    // 2 workers 182 s / 346 s, 3 workers 177-186 s / 277-314 s, 4 workers - / 270 s. More workers also take a
    // larger share of a CPU that other work keeps busy; 4 gained little over 3. VITEST_MAX_WORKERS or
    // `vitest run --maxWorkers N` overrides it.
    maxWorkers: Number(process.env.VITEST_MAX_WORKERS) || 3,
    // The AWS SDK warns on Node 20 about a future minimum version; it is noise in test output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
