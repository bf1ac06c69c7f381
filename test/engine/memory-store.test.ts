import { describe, expect, it } from 'vitest'
import { createCache, memoryStore, type CacheEntry } from '../../src/index.js'
import { cacheResponse } from '../../src/adapters/fetch.js'

function entry(bytes: number, now = 0): CacheEntry {
  return {
    storedAt: now,
    freshUntil: now + 60_000,
    staleUntil: now + 60_000,
    errorUntil: now + 60_000,
    tags: [],
    tagVersions: [],
    meta: {},
    body: new Uint8Array(bytes),
  }
}

describe('memory store', () => {
  it('never holds more than maxBytes, evicting the least recently used', () => {
    const store = memoryStore({ maxBytes: '64kb' })
    for (let i = 0; i < 1000; i++) {
      store.set(`key-${i}`, entry(1000), 60_000)
      expect(store.size().bytes).toBeLessThanOrEqual(64 * 1024)
    }
    expect(store.size().entries).toBeLessThan(64)
    expect(store.get('key-999', 0)).toBeDefined()
    expect(store.get('key-0', 0)).toBeUndefined()
  })

  it('keeps a hot entry while cold keys churn through', () => {
    const store = memoryStore({ maxBytes: '64kb' })
    store.set('hot', entry(1000), 60_000)
    for (let i = 0; i < 1000; i++) {
      store.set(`cold-${i}`, entry(1000), 60_000)
      expect(store.get('hot', 0)).toBeDefined()
    }
  })

  it('does not store an entry larger than maxBytes', () => {
    const store = memoryStore({ maxBytes: 1000 })
    store.set('big', entry(5000), 60_000)
    expect(store.get('big', 0)).toBeUndefined()
    expect(store.size().bytes).toBe(0)
  })

  it('drops entries once their TTL has passed on the cache clock', () => {
    const store = memoryStore()
    store.set('k', entry(10, 1000), 500)
    expect(store.get('k', 1499)).toBeDefined()
    expect(store.get('k', 1500)).toBeUndefined()
  })

  it('treats an entry filled under an older tag version as absent', () => {
    const store = memoryStore()
    store.invalidateTags(['t'])
    const versions = store.tagVersions(['t']) as number[]
    store.set('k', { ...entry(10), tags: ['t'], tagVersions: versions }, 60_000)
    expect(store.get('k', 0)).toBeDefined()
    store.invalidateTags(['t'])
    expect(store.get('k', 0)).toBeUndefined()
  })

  it('forgets old tag versions without reviving what they invalidated', () => {
    const store = memoryStore()
    const filledAt = store.tagVersions(['early']) as number[]
    store.set('k', { ...entry(10), tags: ['early'], tagVersions: filledAt }, 60_000)
    store.invalidateTags(['early'])
    for (let i = 0; i < 100_001; i++) store.invalidateTags([`key-${i}`])
    expect(store.get('k', 0)).toBeUndefined()
    const now = store.tagVersions(['early']) as number[]
    store.set('k2', { ...entry(10), tags: ['early'], tagVersions: now }, 60_000)
    expect(store.get('k2', 0)).toBeDefined()
  })

  it('stays bounded under a flood of distinct URLs through the cache', async () => {
    const cache = createCache({ store: memoryStore({ maxBytes: '256kb' }) })
    const handler = cacheResponse(async () => new Response('x'.repeat(500)), { cache })
    for (let i = 0; i < 3000; i++) await handler(new Request(`http://app.test/?r=${i}`))
    expect(cache.stats().bytes).toBeLessThanOrEqual(256 * 1024)
  })
})
