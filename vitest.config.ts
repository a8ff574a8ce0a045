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
    // The AWS SDK warns on Node 20 about a future minimum version; it is noise in test output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
