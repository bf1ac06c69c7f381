// Keys from arguments: canonical (object key order does not matter), typed ('1' is not 1), and
// exposed through keyFor so that invalidate({ keys }) can reach a memoized value.
import { describe, expect, it } from 'vitest'
import { memoize } from '../../src/index.js'
import { setup } from './fixture.js'

function counted<Args extends unknown[]>(name: string, cache: ReturnType<typeof setup>['cache']) {
  const calls: Args[] = []
  const memoized = memoize(
    async (...args: Args) => {
      calls.push(args)
      return calls.length
    },
    { cache, name },
  )
  return { memoized, calls }
}

describe('memoize keys', () => {
  it('object arguments share an entry whatever the order of their keys, at any depth', async () => {
    const { cache } = setup()
    const { memoized: search, calls } = counted<[Record<string, unknown>]>('search', cache)
    await search({ a: 1, b: { c: [1, 2], d: 'x' } })
    await search({ b: { d: 'x', c: [1, 2] }, a: 1 })
    expect(calls).toHaveLength(1)
    await search({ a: 1, b: { c: [2, 1], d: 'x' } })
    expect(calls).toHaveLength(2)
  })

  it('keeps types apart: a string and a number, null and "null", 1n and 1', () => {
    const { cache } = setup()
    const { memoized: find } = counted<[unknown]>('find', cache)
    const keys = ['1', 1, 1n, null, 'null', undefined, [1], { 0: 1 }, true, 'true'].map((value) => find.keyFor(value))
    expect(new Set(keys).size).toBe(keys.length)
  })

  it('properties set to undefined and trailing undefined arguments read as absent', () => {
    const { cache } = setup()
    const { memoized: page } = counted<[Record<string, unknown>, number?]>('page', cache)
    expect(page.keyFor({ a: 1, b: undefined })).toBe(page.keyFor({ a: 1 }))
    expect(page.keyFor({ a: 1 }, undefined)).toBe(page.keyFor({ a: 1 }))
  })

  it('keyFor returns the exact store key: memo:<name>:<arguments>', () => {
    const { cache } = setup()
    const { memoized: homeData } = counted<[string, { page: number; sort: string }]>('homeData', cache)
    expect(homeData.keyFor('en', { sort: 'new', page: 2 })).toBe('memo:homeData:["en",{"page":2,"sort":"new"}]')
    expect(homeData.keyFor('en', { sort: 'new', page: 2 })).toBe(homeData.keyFor('en', { page: 2, sort: 'new' }))
  })

  it('keys Dates by their time, and refuses what it cannot key with a clear error', () => {
    const { cache } = setup()
    const { memoized: report } = counted<[unknown]>('report', cache)
    expect(report.keyFor(new Date(0))).toBe('memo:report:[Date(0)]')
    expect(() => report.keyFor(new Map())).toThrow(/cannot make a key of an object that is not a plain object/)
    expect(() => report.keyFor(() => 1)).toThrow(/cannot make a key of a function \(argument 1\)/)
    const cycle: Record<string, unknown> = {}
    cycle.self = cycle
    expect(() => report.keyFor(cycle)).toThrow(/circular reference \(argument 1\.self\)/)
  })

  it('a call whose arguments cannot be keyed runs uncached and reports the error, never throws', async () => {
    const { cache, errors } = setup()
    const { memoized: report, calls } = counted<[unknown]>('report', cache)
    expect(await report(Symbol('x'))).toBe(1)
    expect(await report(Symbol('x'))).toBe(2)
    expect(calls).toHaveLength(2)
    expect(errors.map((error) => error.code)).toEqual(['E_BAD_OPTION', 'E_BAD_OPTION'])
  })

  it('a custom key function decides which calls share, under the function prefix', async () => {
    const { cache } = setup()
    let calls = 0
    const user = memoize(
      async (id: number, _requestId: string) => {
        calls++
        return { id }
      },
      { cache, name: 'user', key: (id) => String(id) },
    )
    await user(7, 'request-a')
    await user(7, 'request-b')
    expect(calls).toBe(1)
    expect(user.keyFor(7, 'any')).toBe('memo:user:7')
  })
})
