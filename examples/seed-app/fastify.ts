// `npm run demo:fastify`: the seed app's two routes in Fastify, cached on the in-memory store,
// the twin of hono.ts. /json/ goes through a response schema, / through a reply.view() template.
import { fileURLToPath, pathToFileURL } from 'node:url'
import view from '@fastify/view'
import { Eta } from 'eta'
import Fastify, { type FastifyInstance } from 'fastify'
import { createCache, type Cache } from '../../src/index.js'
import { cachefront } from '../../src/adapters/fastify.js'
import { demoBanner } from './banner.js'

/** How long the pretend database query takes; the test shortens it. */
export interface SeedFastifyOptions {
  cache?: Cache
  queryMs?: number
}

const slowQuery = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

export async function seedFastifyApp({
  cache = createCache(),
  queryMs = 2000,
}: SeedFastifyOptions = {}): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(view, {
    engine: { eta: new Eta() },
    templates: fileURLToPath(new URL('./templates', import.meta.url)),
  })
  await app.register(cachefront, { cache })
  const schema = { response: { 200: { type: 'object', properties: { message: { type: 'string' } } } } }
  app.get('/json/', { schema, config: { cache: { ttl: '10m', tags: ['json'] } } }, async () => {
    await slowQuery(queryMs)
    return { message: 'Hello World' }
  })
  app.get('/', { config: { cache: { ttl: '10m', tags: ['home'] } } }, async (_request, reply) => {
    await slowQuery(queryMs)
    return reply.view('hello-world.eta', { title: 'Hello World', renderedAt: new Date().toISOString() })
  })
  return app
}

async function main(): Promise<void> {
  const app = await seedFastifyApp()
  const port = Number(process.env.PORT ?? 3000)
  await app.listen({ port })
  const base = `http://localhost:${port}`
  console.log(demoBanner('Fastify', base))
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      void app.close().then(() => process.exit(0))
    })
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) void main()
