import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Two cores: keep parallel files modest so socket-heavy tests do not starve each other.
    maxWorkers: 2,
    // The closing reporter lists skipped tests by name (the name carries the reason, e.g. MONGODB_URI not set) and prints 'tests: N passed, N failed, N skipped'.
    reporters: ['default', './test/helpers/closing-reporter.ts'],
  },
});
