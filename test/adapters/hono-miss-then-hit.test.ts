import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { createCache } from '../../src/index.js'
import { cacheResponse } from '../../src/adapters/hono.js'
import { fakeClock } from '../helpers/clock.js'
import { deferred } from '../helpers/deferred.js'

describe('hono adapter: a miss, then hits, and one handler run for concurrent misses', () => {
  it('misses then hits', async () => {
    const clock = fakeClock()
    const cache = createCache({ now: clock })
    const app = new Hono()
    let calls = 0
    app.get('/', cacheResponse({ cache, ttl: '10m' }), (c) => {
      calls++
      return c.html('<p>hi</p>')
    })
    const first = await app.request('http://x.test/')
    expect(first.headers.get('cache-status')).toBe('cachefront; fwd=miss; stored')
    expect(await first.text()).toBe('<p>hi</p>')
    clock.advance(3000)
    const second = await app.request('http://x.test/')
    expect(second.headers.get('cache-status')).toMatch(/^cachefront; hit/)
    expect(second.headers.get('age')).toBe('3')
    expect(await second.text()).toBe('<p>hi</p>')
    expect(calls).toBe(1)
    const etag = second.headers.get('etag')!
    const third = await app.request('http://x.test/', { headers: { 'if-none-match': etag } })
    expect(third.status).toBe(304)
  })

  it('coalesces', async () => {
    const cache = createCache()
    const app = new Hono()
    const gate = deferred()
    let calls = 0
    app.get('/json/', cacheResponse({ cache }), async (c) => {
      calls++
      await gate.promise
      return c.json({ message: 'Hello World' })
    })
    const all = Array.from({ length: 20 }, () => app.request('http://x.test/json/'))
    await new Promise((r) => setImmediate(r))
    gate.resolve()
    const responses = await Promise.all(all)
    expect(calls).toBe(1)
    const bodies = await Promise.all(responses.map((r) => r.text()))
    expect(new Set(bodies)).toEqual(new Set(['{"message":"Hello World"}']))
  })
})
