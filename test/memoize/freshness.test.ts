// Time on the fake clock: expiry, stale-while-revalidate with exactly one background refresh,
// and stale-if-error serving the last good value in place of a thrown error.
import { describe, expect, it } from 'vitest'
import { memoize } from '../../src/index.js'
import { flushPromises } from '../helpers/deferred.js'
import { controlledOrigin, setup } from './fixture.js'

describe('memoize freshness', () => {
  it('a value is served until ttl passes, then the function runs again', async () => {
    const { cache, clock } = setup()
    let calls = 0
    const price = memoize(async () => ++calls, { cache, name: 'price', ttl: '5m' })
    expect(await price()).toBe(1)
    clock.advance(5 * 60_000 - 1)
    expect(await price()).toBe(1)
    clock.advance(1)
    expect(await price()).toBe(2)
  })

  it('uses the cache ttl when none is given', async () => {
    const { cache, clock } = setup({ ttl: '10s' })
    let calls = 0
    const price = memoize(async () => ++calls, { cache, name: 'price' })
    await price()
    clock.advance(9_999)
    expect(await price()).toBe(1)
    clock.advance(1)
    expect(await price()).toBe(2)
  })

  it('inside staleWhileRevalidate, stale values are served and exactly one refresh runs', async () => {
    const { cache, clock } = setup()
    const origin = controlledOrigin<[], string>()
    const rates = memoize(origin.fn, { cache, name: 'rates', ttl: '1m', staleWhileRevalidate: '1m' })
    const first = rates()
    origin.calls[0]!.result.resolve('v1')
    expect(await first).toBe('v1')
    clock.advance(90_000)
    expect(await Promise.all([rates(), rates(), rates()])).toEqual(['v1', 'v1', 'v1'])
    expect(await rates()).toBe('v1')
    expect(origin.calls).toHaveLength(2)
    origin.calls[1]!.result.resolve('v2')
    await flushPromises()
    expect(await rates()).toBe('v2')
    expect(origin.calls).toHaveLength(2)
    expect(cache.stats()).toMatchObject({ staleServed: 4, hits: 1 })
  })

  it('a failed background refresh keeps the stale value and is reported', async () => {
    const { cache, clock, errors } = setup()
    const origin = controlledOrigin<[], string>()
    const rates = memoize(origin.fn, { cache, name: 'rates', ttl: '1m', staleWhileRevalidate: '1m' })
    const first = rates()
    origin.calls[0]!.result.resolve('v1')
    await first
    clock.advance(90_000)
    expect(await rates()).toBe('v1')
    origin.calls[1]!.result.reject(new Error('upstream down'))
    await flushPromises()
    expect(errors.map((error) => error.code)).toEqual(['E_REFRESH_FAILED'])
    expect(await rates()).toBe('v1')
    expect(origin.calls).toHaveLength(3)
  })

  it('inside staleIfError, a throwing function is answered with the stale value', async () => {
    const { cache, clock } = setup()
    let fail = false
    const rates = memoize(
      async () => {
        if (fail) throw new Error('upstream down')
        return 'v1'
      },
      { cache, name: 'rates', ttl: '1m', staleIfError: '1h' },
    )
    await rates()
    clock.advance(30 * 60_000)
    fail = true
    expect(await rates()).toBe('v1')
    expect(cache.stats().staleServed).toBe(1)
    // errorUntil is storedAt + ttl + staleIfError: 61 minutes after the fill.
    clock.advance(31 * 60_000)
    await expect(rates()).rejects.toThrow('upstream down')
  })

  it('waiters of a failing fill get the stale value too, while staleIfError allows', async () => {
    const { cache, clock } = setup()
    const origin = controlledOrigin<[], string>()
    const rates = memoize(origin.fn, { cache, name: 'rates', ttl: '1m', staleIfError: '1h' })
    const first = rates()
    origin.calls[0]!.result.resolve('v1')
    await first
    clock.advance(2 * 60_000)
    const all = [rates(), rates(), rates()]
    await flushPromises()
    origin.calls[1]!.result.reject(new Error('upstream down'))
    expect(await Promise.all(all)).toEqual(['v1', 'v1', 'v1'])
    expect(origin.calls).toHaveLength(2)
  })

  it('with no stale value, the error of the function reaches the caller', async () => {
    const { cache } = setup({ staleIfError: '1h' })
    const rates = memoize(
      async () => {
        throw new Error('upstream down')
      },
      { cache, name: 'rates' },
    )
    await expect(rates()).rejects.toThrow('upstream down')
  })
})
