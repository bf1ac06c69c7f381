// The issues' and README's snippets import the package by name. Under vitest those names resolve
// to the source (vitest.config.ts), so this runs without a build; tsconfig maps them alike.
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { Redis } from 'ioredis'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { CacheError, createCache, memoize, memoryStore } from 'cachefront'
import { cacheResponse as expressCache } from 'cachefront/express'
import { cachefront } from 'cachefront/fastify'
import { cacheResponse as fetchCache } from 'cachefront/fetch'
import { cacheResponse as honoCache } from 'cachefront/hono'
import { redisStore, tieredStore } from 'cachefront/redis'

describe('the package imported by its name', () => {
  it('caches a Hono route and a fetch handler', async () => {
    const cache = createCache({ store: memoryStore({ maxBytes: '1mb' }) })
    let runs = 0
    const app = new Hono()
    app.get('/', honoCache({ cache, ttl: '10m', tags: ['home'] }), (c) => c.text(`run ${++runs}`))
    const statuses: (string | null)[] = []
    for (let i = 0; i < 2; i++) statuses.push((await app.request('/')).headers.get('cache-status'))
    expect(statuses[0]).toMatch(/fwd=miss/)
    expect(statuses[1]).toMatch(/; hit/)
    expect(runs).toBe(1)

    const handler = fetchCache(() => new Response(`run ${++runs}`), { cache, ttl: '30s' })
    await handler(new Request('http://app.test/f'))
    expect(await (await handler(new Request('http://app.test/f'))).text()).toBe('run 2')
  })

  it('caches a Fastify route through the plugin', async () => {
    const app = Fastify()
    await app.register(cachefront, { cache: createCache() })
    let runs = 0
    app.get('/', { config: { cache: { ttl: '10m' } } }, async () => ({ run: ++runs }))
    await app.inject('/')
    const second = await app.inject('/')
    expect(second.headers['cache-status']).toMatch(/; hit/)
    expect(second.json()).toEqual({ run: 1 })
    await app.close()
  })

  it('caches an Express route', async () => {
    const app = express()
    let runs = 0
    app.get('/', expressCache({ cache: createCache(), ttl: '10m' }), (_req, res) => {
      res.send(`run ${++runs}`)
    })
    const server = app.listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
    try {
      await (await fetch(url)).text()
      const second = await fetch(url)
      expect(second.headers.get('cache-status')).toMatch(/; hit/)
      expect(await second.text()).toBe('run 1')
    } finally {
      server.close()
    }
  })

  it('memoizes, and rejects bad options with a CacheError', async () => {
    let runs = 0
    const double = memoize(async (n: number) => (++runs, n * 2), { cache: createCache(), ttl: '5m' })
    expect(await double(2)).toBe(4)
    expect(await double(2)).toBe(4)
    expect(runs).toBe(1)
    expect(() => createCache({ ttl: '10 parsecs' as unknown as number })).toThrow(CacheError)
  })

  it('builds Redis and tiered stores', async () => {
    const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true })
    try {
      const l2 = redisStore({ client, prefix: `cf-test:pkg:${process.pid}:` })
      const store = tieredStore({ l1: memoryStore({ maxBytes: '1mb' }), l2 })
      expect(l2.name).toBe('redis')
      expect(typeof store.get).toBe('function')
      await store.close?.()
    } finally {
      client.disconnect()
    }
  })
})
