import { describe, expect, it } from 'vitest'
import { CacheError, createCache, memoryStore, type Store } from '../../src/index.js'
import { cacheResponse } from '../../src/adapters/fetch.js'
import { fakeClock } from '../helpers/clock.js'

function brokenStore(mode: 'throw' | 'reject' | 'hang' | 'garbage'): Store & { calls: number } {
  const inner = memoryStore()
  const store = {
    ...inner,
    name: 'broken',
    calls: 0,
    get(key: string, now: number) {
      store.calls++
      if (mode === 'throw') throw new Error('connection refused')
      if (mode === 'reject') return Promise.reject(new Error('connection reset'))
      if (mode === 'hang') return new Promise<undefined>(() => {})
      if (mode === 'garbage') return { storedAt: 'yesterday', body: 'not bytes' } as never
      return inner.get(key, now)
    },
    set(...args: Parameters<Store['set']>) {
      if (mode === 'garbage') return inner.set(...args)
      throw new Error('write refused')
    },
  }
  return store
}

describe('a failing store never fails a request', () => {
  it.each(['throw', 'reject', 'hang', 'garbage'] as const)('serves the origin when the store %s', async (mode) => {
    const errors: CacheError[] = []
    const cache = createCache({ store: brokenStore(mode), storeTimeout: 20, onError: (e) => errors.push(e) })
    let calls = 0
    const handler = cacheResponse(async () => new Response(`call ${++calls}`), { cache })
    for (let i = 1; i <= 3; i++) {
      const response = await handler(new Request('http://app.test/'))
      expect(response.status).toBe(200)
      expect(await response.text()).toBe(`call ${i}`)
    }
    expect(errors.length).toBeGreaterThan(0)
    expect(errors.every((e) => e instanceof CacheError)).toBe(true)
    expect(cache.stats().errors).toBe(errors.length)
    const codes = new Set(errors.map((e) => e.code))
    if (mode === 'hang') expect(codes.has('E_STORE_TIMEOUT')).toBe(true)
    if (mode === 'garbage') expect(codes).toEqual(new Set(['E_BAD_STORE_DATA']))
  })

  it('stops calling a broken store for the cooldown, then probes it again', async () => {
    const clock = fakeClock()
    const store = brokenStore('throw')
    const cache = createCache({ store, now: clock, circuitBreakerThreshold: 3, circuitBreakerCooldown: '5s' })
    const read = () => cache.read('k', clock())
    for (let i = 0; i < 10; i++) read()
    expect(store.calls).toBe(3)
    clock.advance(5_000)
    read()
    read()
    expect(store.calls).toBe(4)
  })

  it('throws a CacheError from invalidate when the store cannot do it', async () => {
    const store: Store = { ...memoryStore(), name: 'broken', invalidateTags: () => Promise.reject(new Error('down')) }
    const cache = createCache({ store })
    await expect(cache.invalidate({ tags: ['x'] })).rejects.toMatchObject({ code: 'E_STORE_ERROR' })
  })
})

describe('stats', () => {
  it('counts hits, misses, coalesced waits, entries and bytes', async () => {
    const cache = createCache()
    const handler = cacheResponse(async () => new Response('hello'), { cache })
    await handler(new Request('http://app.test/'))
    await handler(new Request('http://app.test/'))
    await handler(new Request('http://app.test/'))
    const stats = cache.stats()
    expect(stats).toMatchObject({ hits: 2, misses: 1, staleServed: 0, coalescedWaits: 0, errors: 0, entries: 1 })
    expect(stats.bytes).toBeGreaterThan(5)
  })
})
