import { describe, expect, it } from 'vitest'
import { createCache, type Duration } from '../../src/index.js'
import { cacheResponse } from '../../src/adapters/fetch.js'
import { fakeClock } from '../helpers/clock.js'
import { deferred, flushPromises } from '../helpers/deferred.js'
import { countingOrigin } from '../helpers/origin.js'

const url = 'http://app.test/page'

function setup(options: { staleWhileRevalidate?: Duration; staleIfError?: Duration } = {}) {
  const clock = fakeClock()
  const cache = createCache({ now: clock })
  let failWith: 'throw' | 503 | undefined
  const origin = countingOrigin((_, call) => {
    if (failWith === 'throw') throw new Error('database down')
    if (failWith === 503) return new Response('unavailable', { status: 503 })
    return new Response(`version ${call}`)
  })
  const fetchHandler = cacheResponse(origin.handler, { cache, ttl: '10s', ...options })
  const get = async () => {
    const response = await fetchHandler(new Request(url))
    return { status: response.status, body: await response.text(), cacheStatus: response.headers.get('cache-status') }
  }
  return { clock, cache, origin, get, fail: (how: typeof failWith) => (failWith = how) }
}

describe('fetch adapter: expiry follows the injected clock', () => {
  it('serves the entry while fresh and refetches once it expires', async () => {
    const { clock, origin, get } = setup()
    expect((await get()).body).toBe('version 1')
    clock.advance(9_999)
    expect(await get()).toMatchObject({ body: 'version 1', cacheStatus: 'cachefront; hit; ttl=0' })
    clock.advance(1)
    expect(await get()).toMatchObject({ body: 'version 2', cacheStatus: 'cachefront; fwd=miss; stored' })
    expect(origin.calls).toBe(2)
  })
})

describe('fetch adapter: stale-while-revalidate', () => {
  it('serves the stale entry at once and refreshes it in the background exactly once', async () => {
    const { clock, origin, get, cache } = setup({ staleWhileRevalidate: '1m' })
    await get()
    clock.advance(15_000)
    const refreshGate = deferred()
    origin.gate = refreshGate
    const stale = await Promise.all([get(), get(), get()])
    for (const response of stale) {
      expect(response.body).toBe('version 1')
      expect(response.cacheStatus).toMatch(/^cachefront; hit; ttl=-5; detail=stale-while-revalidate$/)
    }
    await flushPromises()
    expect(origin.calls).toBe(2)
    refreshGate.resolve()
    origin.gate = undefined
    await flushPromises()
    expect(await get()).toMatchObject({ body: 'version 2', cacheStatus: 'cachefront; hit; ttl=10' })
    expect(origin.calls).toBe(2)
    expect(cache.stats().staleServed).toBe(3)
  })

  it('keeps serving the stale entry when the refresh fails, and misses after the window', async () => {
    const { clock, get, fail } = setup({ staleWhileRevalidate: '1m' })
    await get()
    clock.advance(20_000)
    fail('throw')
    expect((await get()).body).toBe('version 1')
    await flushPromises()
    expect((await get()).body).toBe('version 1')
    clock.advance(60_000)
    fail(undefined)
    expect(await get()).toMatchObject({ body: 'version 4', cacheStatus: 'cachefront; fwd=miss; stored' })
  })
})

describe('fetch adapter: stale-if-error', () => {
  it('serves the stale entry when the handler throws inside the window', async () => {
    const { clock, get, fail } = setup({ staleIfError: '1h' })
    await get()
    clock.advance(60_000)
    fail('throw')
    expect(await get()).toMatchObject({
      status: 200,
      body: 'version 1',
      cacheStatus: 'cachefront; fwd=stale; detail=stale-if-error',
    })
  })

  it('serves the stale entry when the handler answers 5xx inside the window', async () => {
    const { clock, get, fail } = setup({ staleIfError: '1h' })
    await get()
    clock.advance(60_000)
    fail(503)
    expect(await get()).toMatchObject({
      status: 200,
      body: 'version 1',
      cacheStatus: 'cachefront; fwd=stale; fwd-status=503; detail=stale-if-error',
    })
  })

  it('passes the error on once the window has passed', async () => {
    const { clock, get, fail } = setup({ staleIfError: '1m' })
    await get()
    clock.advance(10_000 + 60_000)
    fail(503)
    expect(await get()).toMatchObject({ status: 503, body: 'unavailable' })
    fail('throw')
    await expect(get()).rejects.toThrow('database down')
  })

  it('never serves a stale entry for a 5xx without staleIfError', async () => {
    const { clock, get, fail } = setup()
    await get()
    clock.advance(10_000)
    fail(503)
    expect(await get()).toMatchObject({ status: 503, cacheStatus: 'cachefront; fwd=miss; detail=status' })
  })
})
