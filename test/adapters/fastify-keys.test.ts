// Fastify adapter keys: what Fastify routes on (host constraints, rewriteUrl) must reach the key.
import Fastify, { type FastifyServerOptions } from 'fastify'
import { describe, expect, it } from 'vitest'
import { createCache, type Duration, type RouteOptions } from '../../src/index.js'
import { cachefront } from '../../src/adapters/fastify.js'
import { fakeClock } from '../helpers/clock.js'
import { flushPromises } from '../helpers/deferred.js'

async function fastifyWith(options: FastifyServerOptions, staleWhileRevalidate?: Duration) {
  const clock = fakeClock()
  const app = Fastify(options)
  const cache = createCache({ now: clock })
  await app.register(cachefront, { cache })
  const route: RouteOptions = staleWhileRevalidate === undefined ? {} : { ttl: '10s', staleWhileRevalidate }
  return { app, clock, cache, config: { config: { cache: route } } }
}

describe('fastify keys', () => {
  it('keys the Host as sent: a host constraint that tells case apart never shares its entry', async () => {
    const { app, config } = await fastifyWith({})
    app.get('/', { ...config, constraints: { host: 'admin.app.test' } }, async () => 'admin page')
    app.get('/', config, async () => 'public page')
    // Fastify's host constraint is case-sensitive: this one reaches the public route.
    const upper = await app.inject({ url: '/', headers: { host: 'ADMIN.APP.TEST' } })
    expect(upper.body).toBe('public page')
    const admin = await app.inject({ url: '/', headers: { host: 'admin.app.test' } })
    expect(admin.body).toBe('admin page')
  })

  it('keys the URL the client sent, not the one rewriteUrl made of it', async () => {
    const { app, config } = await fastifyWith({
      rewriteUrl: (req) => (req.url ?? '/').replace(/^\/(en|fr)(?=\/)/, ''),
    })
    app.get('/page', config, async (request) => (request.originalUrl.startsWith('/fr') ? 'bonjour' : 'hello'))
    expect((await app.inject('/fr/page')).body).toBe('bonjour')
    const english = await app.inject('/en/page')
    expect(english.body).toBe('hello')
    expect(english.headers['cache-status']).toBe('cachefront; fwd=miss; stored')
    expect((await app.inject('/fr/page')).headers['cache-status']).toMatch(/^cachefront; hit/)
  })

  it('invalidate({ paths }) reaches a rewritten entry by the path sent and by the path routed', async () => {
    const { app, cache, config } = await fastifyWith({
      rewriteUrl: (req) => (req.url ?? '/').replace(/^\/(en|fr)(?=\/)/, ''),
    })
    let calls = 0
    app.get('/page', config, async () => `v${++calls}`)
    await app.inject('/en/page')
    await app.inject('/fr/page')
    await cache.invalidate({ paths: ['/page'] })
    expect((await app.inject('/en/page')).body).toBe('v3')
    expect((await app.inject('/fr/page')).body).toBe('v4')
    await cache.invalidate({ paths: ['/en/page'] })
    expect((await app.inject('/en/page')).body).toBe('v5')
    expect((await app.inject('/fr/page')).headers['cache-status']).toMatch(/^cachefront; hit/)
  })

  it('a background refresh goes through rewriteUrl once, as the client request did', async () => {
    const seen: string[] = []
    const { app, clock, config } = await fastifyWith(
      { rewriteUrl: (req) => `/acme${req.url ?? '/'}` }, // a tenant prefix: not idempotent
      '1m',
    )
    app.get('/acme/page', config, async (request) => {
      seen.push(request.url)
      return `v${seen.length}`
    })
    app.get('/acme/acme/page', config, async () => 'the wrong page')
    expect((await app.inject('/page')).body).toBe('v1')
    clock.advance(15_000)
    expect((await app.inject('/page')).body).toBe('v1')
    while (seen.length < 2) await flushPromises(1)
    await flushPromises()
    expect(seen).toEqual(['/acme/page', '/acme/page'])
    expect((await app.inject('/page')).body).toBe('v2')
  })
})
