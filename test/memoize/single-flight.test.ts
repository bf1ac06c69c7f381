// Concurrent calls share one run of the function per key; different arguments never share.
import { describe, expect, it } from 'vitest'
import { memoize } from '../../src/index.js'
import { flushPromises } from '../helpers/deferred.js'
import { controlledOrigin, setup } from './fixture.js'

describe('memoize single-flight', () => {
  it('concurrent calls with the same arguments coalesce onto one function call', async () => {
    const { cache } = setup()
    const origin = controlledOrigin<[string], { lang: string }>()
    const homeData = memoize(origin.fn, { cache, name: 'homeData' })
    const all = Array.from({ length: 20 }, () => homeData('en'))
    await flushPromises()
    expect(origin.calls).toHaveLength(1)
    origin.calls[0]!.result.resolve({ lang: 'en' })
    const values = await Promise.all(all)
    expect(values.every((value) => value.lang === 'en')).toBe(true)
    expect(cache.stats()).toMatchObject({ misses: 1, coalescedWaits: 19 })
    expect(await homeData('en')).toEqual({ lang: 'en' })
    expect(origin.calls).toHaveLength(1)
    expect(cache.stats().hits).toBe(1)
  })

  it('calls with different arguments do not share a value or a flight', async () => {
    const { cache } = setup()
    let calls = 0
    const greet = memoize(
      async (lang: string) => {
        calls++
        return `hello ${lang}`
      },
      { cache, name: 'greet' },
    )
    expect(await Promise.all([greet('en'), greet('fr'), greet('en')])).toEqual(['hello en', 'hello fr', 'hello en'])
    expect(calls).toBe(2)
  })

  it('two memoized functions called with the same arguments do not share entries', async () => {
    const { cache } = setup()
    const users = memoize(async (id: number) => `user ${id}`, { cache, name: 'users' })
    const products = memoize(async (id: number) => `product ${id}`, { cache, name: 'products' })
    expect(await users(1)).toBe('user 1')
    expect(await products(1)).toBe('product 1')
    expect(await users(1)).toBe('user 1')
    expect(users.keyFor(1)).not.toBe(products.keyFor(1))
  })

  it('waiters of a fill whose function throws get the same error, without running it again', async () => {
    const { cache } = setup()
    const origin = controlledOrigin<[string], string>()
    const load = memoize(origin.fn, { cache, name: 'load' })
    const all = Array.from({ length: 5 }, () => load('x'))
    await flushPromises()
    const failure = new Error('database down')
    origin.calls[0]!.result.reject(failure)
    const settled = await Promise.allSettled(all)
    expect(settled.every((result) => result.status === 'rejected' && result.reason === failure)).toBe(true)
    expect(origin.calls).toHaveLength(1)
  })

  it('a call after a failed fill runs the function again: errors are not cached', async () => {
    const { cache } = setup()
    let calls = 0
    const flaky = memoize(
      async () => {
        calls++
        if (calls === 1) throw new Error('first call fails')
        return 'ok'
      },
      { cache, name: 'flaky' },
    )
    await expect(flaky()).rejects.toThrow('first call fails')
    expect(await flaky()).toBe('ok')
    expect(await flaky()).toBe('ok')
    expect(calls).toBe(2)
  })
})
