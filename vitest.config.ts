import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // MySQL- and S3-backed suites create their own databases and buckets, so files may run in parallel.
    pool: 'forks',
  },
});
