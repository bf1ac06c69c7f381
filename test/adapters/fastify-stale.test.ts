// Fastify adapter with a fake clock: stale-while-revalidate refreshes through inject, and
// stale-if-error answers for a handler that throws or answers 5xx.
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { createCache } from '../../src/index.js'
import { cachefront } from '../../src/adapters/fastify.js'
import { fakeClock } from '../helpers/clock.js'
import { flushPromises } from '../helpers/deferred.js'

describe('fastify stale entries', () => {
  it('serves a stale entry and refreshes it once in the background', async () => {
    const clock = fakeClock()
    const cache = createCache({ now: clock })
    const app = Fastify()
    await app.register(cachefront, { cache })
    let calls = 0
    app.get('/s', { config: { cache: { ttl: '10s', staleWhileRevalidate: '1m' } } }, async () => `v${++calls}`)
    expect((await app.inject('/s')).body).toBe('v1')
    clock.advance(15_000)
    const [stale, again] = await Promise.all([app.inject('/s'), app.inject('/s')])
    expect(stale.body).toBe('v1')
    expect(stale.headers['cache-status']).toMatch(/detail=stale-while-revalidate/)
    expect(again.body).toBe('v1')
    while (calls < 2) await flushPromises(1)
    await flushPromises()
    const fresh = await app.inject('/s')
    expect(fresh.body).toBe('v2')
    expect(fresh.headers['cache-status']).toMatch(/^cachefront; hit/)
    expect(calls).toBe(2)
  })

  it('ignores a forged refresh header', async () => {
    const app = Fastify()
    await app.register(cachefront, { cache: createCache() })
    app.get('/f', { config: { cache: {} } }, async () => 'ok')
    const forged = await app.inject({ url: '/f', headers: { 'x-cachefront-refresh': 'guess' } })
    expect(forged.headers['cache-status']).toBe('cachefront; fwd=miss; stored')
  })

  it('serves the stale entry when the handler throws or answers 5xx', async () => {
    const clock = fakeClock()
    const cache = createCache({ now: clock })
    const app = Fastify()
    await app.register(cachefront, { cache })
    let mode: 'ok' | 'throw' | '503' = 'ok'
    app.get('/e', { config: { cache: { ttl: '10s', staleIfError: '1h' } } }, async (_req, reply) => {
      if (mode === 'throw') throw new Error('database down')
      if (mode === '503') return reply.code(503).send('busy')
      return 'good'
    })
    await app.inject('/e')
    clock.advance(60_000)
    mode = 'throw'
    const thrown = await app.inject('/e')
    expect(thrown.statusCode).toBe(200)
    expect(thrown.body).toBe('good')
    expect(thrown.headers['cache-status']).toBe('cachefront; fwd=stale; fwd-status=500; detail=stale-if-error')
    mode = '503'
    const busy = await app.inject('/e')
    expect(busy.body).toBe('good')
    expect(busy.headers['cache-status']).toBe('cachefront; fwd=stale; fwd-status=503; detail=stale-if-error')
    clock.advance(2 * 3600_000)
    const expired = await app.inject('/e')
    expect(expired.statusCode).toBe(503)
  })
})
