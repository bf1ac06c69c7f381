// One bench server process: `node --import tsx bench/servers/server.ts '<ServerConfig JSON>'`.
// Prints `READY <port>` once listening on 127.0.0.1. Routes: /page.html and /data.json (the
// throughput bodies), any other path (the origin, for stampede and expiry keys), and /__runs
// (how many times the origin ran, never cached), /__loop (the longest event-loop stall since the last ask)
// and /__ticks (what a process.nextTick call costs this process, see tickCost).
import type { RequestHandler } from 'express'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import type { Cache } from '../../src/index.js'
import { ROUTES } from '../lib/bodies.js'
import type { ServerConfig } from './config.js'
import { benchCache, distModule } from './stores.js'

const config = JSON.parse(process.argv[2] ?? '{}') as ServerConfig
let runs = 0
const loopDelay = monitorEventLoopDelay({ resolution: 5 })
loopDelay.enable()

const noop = (): void => undefined
const ring: unknown[] = []

/**
 * `<ns per process.nextTick call> <ns per object literal of the same shape>`, each the best of 10
 * batches taken in turns, so that a slow spell of the machine weighs on both: their ratio tells a
 * process in the slow state (bench/lib/tick-state.ts) on any machine.
 */
function tickCost(): string {
  let tick = Infinity
  let literal = Infinity
  for (let batch = 0; batch < 10; batch++) {
    tick = Math.min(
      tick,
      batchNs(() => process.nextTick(noop)),
    )
    literal = Math.min(
      literal,
      batchNs(() => ring.push({ a: 1, b: 2, callback: noop, args: undefined })),
    )
  }
  return `${tick.toFixed(1)} ${literal.toFixed(1)}`
}

function batchNs(call: () => void): number {
  const start = process.hrtime.bigint()
  for (let i = 0; i < 1000; i++) call()
  const ns = Number(process.hrtime.bigint() - start) / 1000
  ring.length = 0
  return ns
}

/** The longest the event loop was blocked since the last call, in ms: tells a stall of this server from the machine's. */
function loopStall(): string {
  const ms = loopDelay.max / 1e6
  loopDelay.reset()
  return ms.toFixed(1)
}

/** The origin: what a handler renders on a miss (it counts, and may take `delayMs`). */
async function render(path: string): Promise<{ type: string; text: string }> {
  runs++
  if (config.delayMs) await new Promise((resolve) => setTimeout(resolve, config.delayMs))
  return path.endsWith('.html') ? ROUTES.html : ROUTES.json
}

function constFor(path: string): (typeof ROUTES)[keyof typeof ROUTES] | undefined {
  if (config.variant !== 'const') return undefined
  return path === ROUTES.html.path ? ROUTES.html : path === ROUTES.json.path ? ROUTES.json : undefined
}

const ttlSeconds = Math.max(1, Math.round((config.ttlMs ?? 3_600_000) / 1000))

async function hono(cache: Cache | undefined): Promise<number> {
  const { Hono } = await import('hono')
  const { serve } = await import('@hono/node-server')
  const app = new Hono()
  // no-store: with `memory-app` the whole app is behind the cache, and probes must reach the process.
  const probe = { 'cache-control': 'no-store' }
  app.get('/__runs', (c) => c.text(String(runs), 200, probe))
  app.get('/__loop', (c) => c.text(loopStall(), 200, probe))
  app.get('/__ticks', (c) => c.text(tickCost(), 200, probe))
  if (config.variant === 'const') {
    for (const route of Object.values(ROUTES))
      app.get(route.path, (c) => c.body(route.text, 200, { 'content-type': route.type }))
  } else if (config.variant === 'const-middleware') {
    for (const route of Object.values(ROUTES))
      app.get(
        route.path,
        async (_c, next) => {
          await next()
        },
        (c) => c.body(route.text, 200, { 'content-type': route.type }),
      )
  } else if (config.variant === 'const-cache-headers') {
    for (const route of Object.values(ROUTES)) {
      // What a hit adds to the constant: content-length, ETag, Age and Cache-Status. A plain object,
      // the form @hono/node-server passes to writeHead as it is (and cachefront's hits use).
      const headers = {
        'content-type': route.type,
        etag: `"${'0'.repeat(27)}"`,
        'content-length': String(route.bytes.byteLength),
        age: '0',
        'cache-status': 'cachefront; hit; ttl=3599',
      }
      app.get(
        route.path,
        async (_c, next) => {
          await next()
        },
        () => new Response(route.text, { status: 200, headers }),
      )
    }
  }
  const origin = async (c: {
    req: { path: string }
    body: (t: string, s: 200, h: Record<string, string>) => Response
  }) => {
    const page = await render(c.req.path)
    return c.body(page.text, 200, { 'content-type': page.type })
  }
  if (cache && config.variant !== 'memory-app') {
    const { cacheResponse } = (await import(
      distModule('adapters/hono.js')
    )) as typeof import('../../src/adapters/hono.js')
    const cached = cacheResponse({ cache })
    // The constant's route shape (a static path per body, then the wildcard): Hono matches a
    // static path from a map but a wildcard with a regular expression, a cost of routing, not caching.
    for (const route of Object.values(ROUTES)) app.get(route.path, cached, origin)
    app.get('*', cached, origin)
  } else app.get('*', origin)
  // memory-app: the whole app behind cachefront/fetch, which answers hits before Hono routes.
  type Fetch = (request: Request, env: unknown) => Response | Promise<Response>
  let fetch: Fetch = app.fetch
  if (config.variant === 'memory-app') {
    const { cacheResponse } = (await import(
      distModule('adapters/fetch.js')
    )) as typeof import('../../src/adapters/fetch.js')
    fetch = cacheResponse(fetch, { cache: cache! })
  }
  return new Promise((resolve) => {
    serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port))
  })
}

async function fastify(cache: Cache | undefined): Promise<number> {
  const { default: Fastify } = await import('fastify')
  const app = Fastify({ logger: false })
  app.get('/__runs', async () => String(runs))
  app.get('/__loop', async () => loopStall())
  app.get('/__ticks', async () => tickCost())
  type Reply = { type(t: string): Reply; send(b: unknown): Reply }
  let answer = async (path: string, reply: Reply): Promise<Reply> => {
    const page = await render(path)
    return reply.type(page.type).send(page.text)
  }
  if (config.variant === 'async-cache-dedupe') {
    const { createCache } = await import('async-cache-dedupe')
    const acd = createCache({ ttl: ttlSeconds, storage: { type: 'memory' } }).define('page', async (path: string) =>
      render(path),
    )
    answer = async (path, reply) => {
      const page = (await acd.page(path)) as { type: string; text: string }
      return reply.type(page.type).send(page.text)
    }
  } else if (config.variant === 'bentocache') {
    const { BentoCache, bentostore } = await import('bentocache')
    const { memoryDriver } = await import('bentocache/drivers/memory')
    const bento = new BentoCache({
      default: 'memory',
      stores: { memory: bentostore().useL1Layer(memoryDriver({ maxSize: 64 * 1024 * 1024 })) },
    })
    answer = async (path, reply) => {
      const page = await bento.getOrSet({ key: path, ttl: config.ttlMs ?? 3_600_000, factory: () => render(path) })
      return reply.type(page.type).send(page.text)
    }
  }
  const handler = async (request: { url: string }, reply: Reply) => {
    const path = request.url.split('?')[0]!
    const fixed = constFor(path)
    if (fixed) return reply.type(fixed.type).send(fixed.bytes)
    return answer(path, reply)
  }
  if (cache) {
    await registerFastifyCache(app, cache, handler)
  } else {
    app.get('/*', handler)
  }
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  return typeof address === 'object' && address !== null ? address.port : 0
}

// cachefront/fastify is a plugin; routes opt in with `config.cache`.
async function registerFastifyCache(app: unknown, cache: Cache, handler: unknown): Promise<void> {
  const { cachefront } = (await import(distModule('adapters/fastify.js'))) as { cachefront: unknown }
  const fastifyApp = app as {
    register(plugin: unknown, options?: unknown): PromiseLike<unknown>
    get(path: string, options: unknown, handler: unknown): void
  }
  await fastifyApp.register(cachefront, { cache })
  fastifyApp.get('/*', { config: { cache: {} } }, handler)
}

async function express(cache: Cache | undefined): Promise<number> {
  const { default: Express } = await import('express')
  const app = Express()
  app.set('etag', false)
  app.set('x-powered-by', false)
  app.get('/__runs', (_req, res) => {
    res.send(String(runs))
  })
  app.get('/__loop', (_req, res) => {
    res.send(loopStall())
  })
  app.get('/__ticks', (_req, res) => {
    res.send(tickCost())
  })
  type Req = { path: string }
  type Res = { setHeader(n: string, v: string): void; end(b: unknown): void }
  const origin = async (req: Req, res: Res) => {
    const page = await render(req.path)
    res.setHeader('content-type', page.type)
    res.end(page.text)
  }
  if (config.variant === 'const') {
    for (const route of Object.values(ROUTES))
      app.get(route.path, (_req, res) => {
        res.setHeader('content-type', route.type)
        res.end(route.bytes)
      })
  }
  if (cache) {
    const { cacheResponse } = (await import(distModule('adapters/express.js'))) as {
      cacheResponse(o: unknown): RequestHandler
    }
    routeLikeConst(app, cacheResponse({ cache }), origin)
  } else if (config.variant === 'apicache') {
    const { default: apicache } = await import('apicache')
    routeLikeConst(app, apicache.options({ defaultDuration: ttlSeconds * 1000 }).middleware(), origin)
  } else app.get('/{*splat}', origin)
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => {
      const address = server.address()
      resolve(typeof address === 'object' && address !== null ? address.port : 0)
    })
  })
}

// A cache in front of Express takes the constant's route shape: a route per body path, then the
// wildcard, so that both pay for the same routing.
function routeLikeConst(
  app: { get(path: string, ...handlers: RequestHandler[]): unknown },
  middleware: RequestHandler,
  origin: unknown,
): void {
  const handler = origin as RequestHandler
  for (const route of Object.values(ROUTES)) app.get(route.path, middleware, handler)
  app.get('/{*splat}', middleware, handler)
}

async function main(): Promise<void> {
  const cachefront = ['memory', 'memory-app', 'tiered', 'redis'].includes(config.variant)
  const cache = cachefront ? await benchCache(config) : undefined
  const start = { hono, fastify, express }[config.framework]
  const port = await start(cache)
  process.stdout.write(`READY ${port}\n`)
  const stop = () => {
    void Promise.resolve(cache?.close()).finally(() => process.exit(0))
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  process.on('disconnect', stop)
}

main().catch((error: unknown) => {
  process.stderr.write(`bench server failed: ${error instanceof Error ? error.stack : String(error)}\n`)
  process.exit(1)
})
