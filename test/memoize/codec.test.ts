// Values pass through a codec: what it cannot encode is returned uncached and reported, stored
// bytes it cannot decode are a miss, and a custom codec replaces JSON.
import { describe, expect, it } from 'vitest'
import { CacheError, jsonCodec, memoize, type Codec } from '../../src/index.js'
import { flushPromises } from '../helpers/deferred.js'
import { controlledOrigin, setup } from './fixture.js'

const cycle: Record<string, unknown> = {}
cycle.self = cycle

describe('memoize codec', () => {
  it.each([
    ['a BigInt', 10n],
    ['a cycle', cycle],
    ['a function', { run: () => 1 }],
    ['undefined', undefined],
    ['a Date, which JSON would turn into a string', new Date(0)],
    ['a Map, which JSON would turn into {}', new Map([[1, 2]])],
    ['NaN, which JSON would turn into null', Number.NaN],
    ['undefined in an array, which JSON would turn into null', [1, undefined]],
  ])('returns %s uncached and reports E_CODEC, never throws', async (_what, value) => {
    const { cache, errors } = setup()
    let calls = 0
    const load = memoize(
      async () => {
        calls++
        return value
      },
      { cache, name: 'load' },
    )
    expect(await load()).toBe(value)
    expect(await load()).toBe(value)
    expect(calls).toBe(2)
    expect(errors).toHaveLength(2)
    expect(errors[0]).toBeInstanceOf(CacheError)
    expect(errors[0]!.code).toBe('E_CODEC')
    expect(errors[0]!.message).toMatch(/memoized load returned a value its codec cannot encode/)
    expect(cache.stats()).toMatchObject({ errors: 2, entries: 0 })
  })

  it('waiters of a fill whose value cannot be encoded get that value, without another call', async () => {
    const { cache, errors } = setup()
    const origin = controlledOrigin<[], bigint>()
    const load = memoize(origin.fn, { cache, name: 'load' })
    const all = [load(), load(), load()]
    await flushPromises()
    origin.calls[0]!.result.resolve(10n)
    expect(await Promise.all(all)).toEqual([10n, 10n, 10n])
    expect(origin.calls).toHaveLength(1)
    expect(errors).toHaveLength(1)
  })

  it('drops object properties set to undefined, as JSON does, and caches the rest', async () => {
    const { cache } = setup()
    let calls = 0
    const load = memoize(async () => ({ id: ++calls, bio: undefined }), { cache, name: 'load' })
    expect(await load()).toEqual({ id: 1, bio: undefined })
    expect(await load()).toEqual({ id: 1 })
  })

  it('each hit decodes its own copy, so a caller mutating its value does not change the cache', async () => {
    const { cache } = setup()
    const load = memoize(async () => ({ items: [1, 2] }), { cache, name: 'load' })
    await load()
    const hit = await load()
    hit.items.push(3)
    expect(await load()).toEqual({ items: [1, 2] })
  })

  it('stored bytes that cannot be decoded are a miss, reported, and replaced', async () => {
    const { cache, clock, errors } = setup()
    let calls = 0
    const load = memoize(async () => ({ n: ++calls }), { cache, name: 'load' })
    await load()
    const key = load.keyFor()
    const entry = await cache.store.get(key, clock())
    await cache.store.set(key, { ...entry!, body: new TextEncoder().encode('{"n": 1') }, 60_000)
    expect(await load()).toEqual({ n: 2 })
    expect(errors.map((error) => error.code)).toEqual(['E_CODEC'])
    expect(errors[0]!.message).toMatch(/could not decode a stored value/)
    expect(await load()).toEqual({ n: 2 })
    expect(calls).toBe(2)
  })

  it('a custom codec stores what JSON cannot, and comes back the same on a hit', async () => {
    const { cache } = setup()
    const dates: Codec<{ at: Date }> = {
      name: 'dates',
      encode: (value) => new TextEncoder().encode(String(value.at.getTime())),
      decode: (bytes) => ({ at: new Date(Number(new TextDecoder().decode(bytes))) }),
    }
    let calls = 0
    const lastLogin = memoize(
      async (_user: string) => {
        calls++
        return { at: new Date(1_700_000_000_000) }
      },
      { cache, name: 'lastLogin', codec: dates },
    )
    await lastLogin('ada')
    const hit = await lastLogin('ada')
    expect(hit.at).toBeInstanceOf(Date)
    expect(hit.at.getTime()).toBe(1_700_000_000_000)
    expect(calls).toBe(1)
  })

  it('an entry written by another codec is a miss, not decoded as ours', async () => {
    const { cache, errors } = setup()
    await memoize(async () => 'json value', { cache, name: 'load' })()
    const upper: Codec<string> = {
      name: 'upper',
      encode: (value) => new TextEncoder().encode(value.toUpperCase()),
      decode: (bytes) => new TextDecoder().decode(bytes),
    }
    const redeployed = memoize(async () => 'new value', { cache, name: 'load', codec: upper })
    expect(await redeployed()).toBe('new value')
    expect(errors.map((error) => error.code)).toEqual(['E_CODEC'])
    expect(await redeployed()).toBe('NEW VALUE')
  })

  it('a codec whose encode does not return bytes is a codec failure', async () => {
    const { cache, errors } = setup()
    const broken = { encode: () => 'not bytes', decode: () => 'x' } as unknown as Codec<string>
    expect(await memoize(async () => 'value', { cache, name: 'load', codec: broken })()).toBe('value')
    expect(errors.map((error) => error.code)).toEqual(['E_CODEC'])
  })

  it('jsonCodec round-trips plain data as UTF-8 JSON', () => {
    const value = { text: 'héllo ✓', list: [1, null, true], nested: { a: -0.5 } }
    const bytes = jsonCodec.encode(value)
    expect(new TextDecoder().decode(bytes)).toBe(JSON.stringify(value))
    expect(jsonCodec.decode(bytes)).toEqual(value)
    expect(() => jsonCodec.decode(new Uint8Array([0xff]))).toThrow()
  })
})
