// Redis failing under load: a server the test owns is killed (no failed requests), slowed by a
// delaying proxy (added latency bounded by the soft timeout), and restarted (the cache is used again).
import { serve, type ServerType } from '@hono/node-server'
import { Hono } from 'hono'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { cacheResponse } from '../../src/adapters/hono.js'
import { createCache, type Cache } from '../../src/engine/cache.js'
import { redisStore } from '../../src/stores/redis.js'
import { until } from '../stores/store-contract.js'
import { connectClient, describeRedis, randomPrefix, startRedisServer, type RedisServer } from './helpers.js'
import { startDelayProxy, type DelayProxy } from './delay-proxy.js'

const STORE_TIMEOUT = 50

interface App {
  readonly url: string
  readonly cache: Cache
  runs: number
  close(): Promise<void>
}

async function startApp(client: Redis): Promise<App> {
  const cache = createCache({
    store: redisStore({ client, prefix: randomPrefix('failure') }),
    ttl: '10m',
    storeTimeout: STORE_TIMEOUT,
    circuitBreakerCooldown: '300ms',
  })
  const hono = new Hono()
  const app = { runs: 0 } as App
  hono.get('/item/:id', cacheResponse({ cache }), (c) => {
    app.runs++
    return c.text(`item ${c.req.param('id')}`)
  })
  const server = await new Promise<ServerType>((resolve) => {
    const started = serve({ fetch: hono.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started))
  })
  const { port } = server.address() as { port: number }
  return Object.assign(app, {
    url: `http://127.0.0.1:${port}`,
    cache,
    async close() {
      await new Promise((resolve) => server.close(resolve))
      await cache.close()
    },
  })
}

/** Sends `total` requests, `concurrency` at a time, over `keys` keys; counts failures, keeps latencies. */
async function load(
  url: string,
  total: number,
  concurrency: number,
  keys: number,
  onProgress?: (done: number) => void,
) {
  let next = 0
  let failed = 0
  const latencies: number[] = []
  const statuses: string[] = []
  async function lane(): Promise<void> {
    while (next < total) {
      const i = next++
      const started = performance.now()
      try {
        const response = await fetch(`${url}/item/${i % keys}`)
        await response.text()
        if (response.status !== 200) failed++
        statuses.push(response.headers.get('cache-status') ?? '')
      } catch {
        failed++
      }
      latencies.push(performance.now() - started)
      onProgress?.(i + 1)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane))
  latencies.sort((a, b) => a - b)
  const pick = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!
  return { failed, statuses, p50: pick(0.5), p99: pick(0.99), max: latencies.at(-1)! }
}

describeRedis('when Redis fails', () => {
  let server: RedisServer
  let proxy: DelayProxy
  let client: Redis
  let app: App

  beforeAll(async () => {
    server = await startRedisServer()
    proxy = await startDelayProxy(server.port)
    // Reconnect fast, so that the restart test does not wait out ioredis' default back-off.
    client = await connectClient(`redis://127.0.0.1:${proxy.port}`, { retryStrategy: () => 50 })
    app = await startApp(client)
  })
  afterAll(async () => {
    await app?.close()
    client?.disconnect()
    await proxy?.close()
    await server?.kill()
  })

  it('killed mid-load: zero failed requests', async () => {
    const warm = await load(app.url, 100, 20, 10)
    expect(warm.failed).toBe(0)
    let killing: Promise<void> | undefined
    const result = await load(app.url, 600, 20, 10, (done) => {
      if (done === 150) killing = server.kill()
    })
    await killing
    console.info(
      `killed: ${result.failed} failed of 600; hits ${result.statuses.filter((s) => s.includes('hit')).length}; ` +
        `p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, max ${result.max.toFixed(1)} ms`,
    )
    expect(result.failed).toBe(0)
    // Past the kill every request went to the origin; none waited on the dead server for long.
    expect(result.max).toBeLessThan(4 * STORE_TIMEOUT + 500)
  })

  it('restarted: the cache is used again', async () => {
    await server.start()
    const started = Date.now()
    // Bounded polling of what a client sees: the same URL until it is served from the cache.
    await until(async () => {
      const response = await fetch(`${app.url}/item/restart`)
      await response.text()
      return response.headers.get('cache-status')?.startsWith('cachefront; hit') === true
    }, 10_000)
    console.info(`restarted: cache hits again after ${Date.now() - started} ms`)
  })

  it('slowed: added latency is bounded by the soft timeout', async () => {
    const baseline = await load(app.url, 200, 10, 50)
    proxy.delayMs = 500
    const slowed = await load(app.url, 300, 10, 300)
    proxy.delayMs = 0
    console.info(
      `slowed by 500 ms each way: p50 ${slowed.p50.toFixed(1)} ms (baseline ${baseline.p50.toFixed(1)}), ` +
        `p99 ${slowed.p99.toFixed(1)} ms (baseline ${baseline.p99.toFixed(1)}), max ${slowed.max.toFixed(1)} ms`,
    )
    expect(slowed.failed).toBe(0)
    // A miss makes up to four sequential store calls (read, tag versions, lock, re-read), but once
    // one is cut at the soft timeout its fill asks the store nothing more, so a request pays about
    // one; once the circuit opens, the slow store is not called at all.
    expect(slowed.max).toBeLessThan(2 * STORE_TIMEOUT + 150)
    expect(slowed.p50).toBeLessThan(baseline.p50 + STORE_TIMEOUT)
  })
})
