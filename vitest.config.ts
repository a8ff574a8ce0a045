import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // starts a private MariaDB when none answers at 127.0.0.1:3306 (and TEST_MYSQL_* are not set)
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // MySQL- and S3-backed suites create their own databases and buckets, so files may run in parallel.
    pool: 'forks',
    // The AWS SDK warns on Node 20 about a future minimum version; it is noise in test output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
