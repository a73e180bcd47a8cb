import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Two cores: keep parallel files modest so socket-heavy tests do not starve each other.
    maxWorkers: 2,
    // Only VCHAT_TEST_* databases: DATABASE_URL, MONGODB_URI, REDIS_URL… are removed (test/helpers/test-env.ts).
    globalSetup: ['./test/helpers/global-env.ts'],
    setupFiles: ['./test/helpers/worker-env.ts'],
    // The closing reporter lists skipped tests by name (the name carries the reason, e.g. MONGODB_URI not set) and prints 'tests: N passed, N failed, N skipped'.
    reporters: ['default', './test/helpers/closing-reporter.ts'],
  },
});
