import { defineConfig } from 'tsup'

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'adapters/hono': 'src/adapters/hono.ts',
    'adapters/fetch': 'src/adapters/fetch.ts',
    'adapters/fastify': 'src/adapters/fastify.ts',
    'adapters/express': 'src/adapters/express.ts',
    'stores/redis': 'src/stores/redis.ts',
  },
  format: ['esm'],
  dts: true,
  clean: true,
  target: 'node20',
  splitting: true,
  sourcemap: true,
})
