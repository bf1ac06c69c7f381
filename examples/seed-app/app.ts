// The seed article's two routes in Hono, cached: /json/ and an HTML page, each after a 2 s "query".
import { readFileSync } from 'node:fs'
import { Hono } from 'hono'
import { createCache, type Cache } from '../../src/index.js'
import { cacheResponse } from '../../src/adapters/hono.js'

/** How long the pretend database query takes; the demo and its test shorten it. */
export interface SeedAppOptions {
  cache?: Cache
  queryMs?: number
}

const template = readFileSync(new URL('./templates/hello-world.html', import.meta.url), 'utf8')

function render(values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => values[name] ?? '')
}

const slowQuery = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

export function seedApp({ cache = createCache(), queryMs = 2000 }: SeedAppOptions = {}): Hono {
  const app = new Hono()
  app.get('/json/', cacheResponse({ cache, ttl: '10m', tags: ['json'] }), async (c) => {
    await slowQuery(queryMs)
    return c.json({ message: 'Hello World' })
  })
  app.get('/', cacheResponse({ cache, ttl: '10m', tags: ['home'] }), async (c) => {
    await slowQuery(queryMs)
    return c.html(render({ title: 'Hello World', renderedAt: new Date().toISOString() }))
  })
  return app
}
