import path from 'node:path';

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/global-setup.ts'],
    // Each file in its own process: a native addon and ORT's thread pools are per process.
    pool: 'forks',
    // Two cores: parallel files would fight over them and distort the event-loop checks.
    fileParallelism: false,
    testTimeout: 120_000,
    // Loads calibrate once per fixture and keep the result beside the fixtures, never in ~/.cache.
    env: { CROSSRANK_CACHE_DIR: path.join(import.meta.dirname, 'test', '.fixtures', 'cache') },
    hookTimeout: 300_000,
  },
});
