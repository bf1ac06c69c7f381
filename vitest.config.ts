import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const source = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url))

export default defineConfig({
  resolve: {
    // Tests may import the package by its name, as users do: that resolves to the source, so that
    // `npm test` needs no build first (the package's exports point at dist/).
    alias: [
      { find: /^cachefront$/, replacement: source('index.ts') },
      { find: /^cachefront\/(hono|fetch|fastify|express)$/, replacement: source('adapters/$1.ts') },
      { find: /^cachefront\/redis$/, replacement: source('stores/redis.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Redis-backed suites share one server: keep files from stepping on each other's keys.
    fileParallelism: true,
  },
})
