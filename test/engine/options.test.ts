import { describe, expect, it } from 'vitest'
import {
  CACHE_DEFAULTS,
  CacheError,
  CacheOptionError,
  createCache,
  memoryStore,
  MEMORY_STORE_DEFAULTS,
} from '../../src/index.js'
import { parseByteSize, parseDuration } from '../../src/engine/duration.js'

describe('bad options fail at creation with a typed error', () => {
  it.each([
    ['a negative ttl', { ttl: -1 }],
    ['a zero ttl', { ttl: 0 }],
    ["'10 parsecs'", { ttl: '10 parsecs' }],
    ['a non-store store', { store: { get() {} } }],
    ['a NaN staleWhileRevalidate', { staleWhileRevalidate: Number.NaN }],
    ['a negative staleIfError', { staleIfError: '-5s' }],
    ['a clock that is not a function', { now: 5 }],
    ['a misspelt option', { tll: '1m' }],
    ['a null ttl (only a left-out option means the default)', { ttl: null }],
    ['a null staleIfError', { staleIfError: null }],
    ['a null circuitBreakerThreshold', { circuitBreakerThreshold: null }],
  ])('rejects %s', (_, options) => {
    const create = () => createCache(options as never)
    expect(create).toThrow(TypeError)
    expect(create).toThrow(CacheError)
    expect(create).toThrow(/cachefront: expected createCache/)
    try {
      create()
    } catch (error) {
      expect(error).toBeInstanceOf(CacheOptionError)
      expect((error as CacheOptionError).code).toBe('E_BAD_OPTION')
    }
  })

  it('rejects a bad memory store size', () => {
    expect(() => memoryStore({ maxBytes: '64 parsecs' as never })).toThrow(/maxBytes/)
    expect(() => memoryStore({ maxBytes: -1 })).toThrow(CacheOptionError)
    expect(() => memoryStore({ maxBytes: null as never })).toThrow(CacheOptionError)
  })

  it('rejects a misspelt memory store option rather than giving the default store', () => {
    expect(() => memoryStore({ maxbytes: 5 } as never)).toThrow(/expected memoryStore options to be one of maxBytes/)
  })
})

describe('durations and sizes', () => {
  it.each([
    [250, 250],
    ['500ms', 500],
    ['30s', 30_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['1.5s', 1500],
  ])('reads %s as %d ms', (input, ms) => {
    expect(parseDuration(input, 'ttl')).toBe(ms)
  })

  it.each([
    [1024, 1024],
    ['512kb', 512 * 1024],
    ['64mb', 64 * 1024 * 1024],
    ['1GB', 1024 ** 3],
  ])('reads %s as %d bytes', (input, bytes) => {
    expect(parseByteSize(input, 'maxBytes')).toBe(bytes)
  })
})

describe('documented defaults are the real ones', () => {
  it('createCache defaults', () => {
    const cache = createCache()
    expect(cache.defaults).toEqual({ ttl: 60_000, staleWhileRevalidate: 0, staleIfError: 0 })
    expect(CACHE_DEFAULTS).toMatchObject({ ttl: '1m', staleWhileRevalidate: 0, staleIfError: 0, storeTimeout: '50ms' })
    expect(cache.store.name).toBe('memory')
  })

  it('memoryStore defaults to 64mb', () => {
    expect(MEMORY_STORE_DEFAULTS.maxBytes).toBe('64mb')
  })
})
