// Options are checked when the function is memoized, with one message shape; names keep two
// memoized functions from reading each other's values; documented defaults are the applied ones.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CacheOptionError, MEMOIZE_DEFAULTS, createCache, memoize, type MemoizeOptions } from '../../src/index.js'
import { setup } from './fixture.js'

async function load(id: number): Promise<number> {
  return id
}

describe('memoize options', () => {
  it.each([
    ['an unknown option', { ttl: '1m', tll: '5m' }, /expected memoize options to be one of .*, got "tll"/],
    ['a ttl of 0', { ttl: 0 }, /expected memoize ttl to be a duration greater than 0, got 0/],
    ['a bad duration', { staleWhileRevalidate: '5 minutes' }, /expected memoize staleWhileRevalidate to be a duration/],
    ['a negative staleIfError', { staleIfError: -1 }, /expected memoize staleIfError to be a duration of 0 ms or more/],
    ['tags that are not strings', { tags: ['a', 1] }, /expected memoize tags to be an array of strings or a function/],
    ['a key that is not a function', { key: 'id' }, /expected memoize key to be a function of the arguments/],
    ['a codec without decode', { codec: { encode: () => new Uint8Array() } }, /expected memoize codec to be a codec/],
    ['a name with ":"', { name: 'users:byId' }, /expected memoize name to be a non-empty string without ":"/],
    ['an empty name', { name: '' }, /expected memoize name to be a non-empty string/],
    ['a cache that is not one', { cache: {} }, /expected memoize cache to be a cache from createCache\(\)/],
  ])('rejects %s at creation with a CacheOptionError', (_what, options, message) => {
    const { cache } = setup()
    const create = (): unknown => memoize(load, { cache, ...options } as MemoizeOptions<[number], number>)
    expect(create).toThrow(CacheOptionError)
    expect(create).toThrow(message)
  })

  it('rejects something other than a function', () => {
    expect(() => memoize('load' as unknown as () => Promise<void>, { cache: createCache() })).toThrow(
      /expected memoize fn to be a function returning a promise/,
    )
  })

  it('names an anonymous function after its source, so the issue’s one-liner works', () => {
    const { cache } = setup()
    const homeData = memoize(async (lang: string) => `home ${lang}`, { cache, ttl: '5m', tags: ['home'] })
    expect(homeData.keyFor('en')).toMatch(/^memo:anonymous\.[0-9a-f]{10}:\["en"\]$/)
    expect(memoize(async (id: number) => id, { cache, name: 'byId' }).keyFor(1)).toBe('memo:byId:[1]')
  })

  it('gives two anonymous functions with the same source different names', () => {
    const { cache } = setup()
    const make = () => memoize(async (id: number) => id, { cache })
    const first = make().keyFor(1)
    const second = make().keyFor(1)
    expect(second).toBe(first.replace(/:\[1\]$/, '#2:[1]'))
  })

  it('takes the name from fn.name when none is given', () => {
    const { cache } = setup()
    expect(memoize(load, { cache }).keyFor(1)).toBe('memo:load:[1]')
  })

  it('gives a second, different function whose fn.name is taken on the cache its own namespace', async () => {
    const { cache } = setup()
    const first = memoize(load, { cache })
    const other = { load: async (id: number) => id * 2 }.load
    expect(other.name).toBe('load')
    const second = memoize(other, { cache })
    expect(second.keyFor(1)).toBe('memo:load#2:[1]')
    expect(await first(1)).not.toEqual(await second(1))
    expect(memoize(other, { cache, name: 'doubled' }).keyFor(1)).toBe('memo:doubled:[1]')
    // The same function memoized twice shares its entries, which is harmless; so does another cache.
    expect(memoize(load, { cache }).keyFor(1)).toBe('memo:load:[1]')
    expect(memoize(other, { cache: createCache() }).keyFor(1)).toBe('memo:load:[1]')
  })

  it('a function whose options are rejected does not keep its name taken', () => {
    const { cache } = setup()
    expect(() => memoize(load, { cache, ttl: -1 })).toThrow(CacheOptionError)
    const other = { load: async (id: number) => id * 2 }.load
    expect(() => memoize(other, { cache })).not.toThrow()
  })

  it('uses the cache defaults for ttl and the stale windows unless given', async () => {
    const { cache, clock } = setup({ ttl: '10s', staleWhileRevalidate: '5s' })
    let calls = 0
    const count = memoize(async () => ++calls, { cache, name: 'count' })
    await count()
    clock.advance(12_000)
    expect(await count()).toBe(1)
    expect(cache.stats().staleServed).toBe(1)
  })

  it.each(Object.entries(MEMOIZE_DEFAULTS))('documents the default of %s in TSDoc', (name, value) => {
    const source = readFileSync(new URL('../../src/memoize/options.ts', import.meta.url), 'utf8')
    const documented = new RegExp(`@default (.+)\\n\\s*\\*/\\n\\s*${name}\\?:`).exec(source)?.[1]
    expect(documented).toBe(JSON.stringify(value))
  })
})
