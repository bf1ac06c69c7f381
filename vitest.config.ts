import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Redis-backed suites share one server: keep files from stepping on each other's keys.
    fileParallelism: true,
  },
})
