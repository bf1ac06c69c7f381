// invalidate({ keys }) and invalidate({ tags }) reach memoized values, also while a fill runs.
import { describe, expect, it } from 'vitest'
import { memoize } from '../../src/index.js'
import { flushPromises } from '../helpers/deferred.js'
import { controlledOrigin, setup } from './fixture.js'

function countingLoader(cache: ReturnType<typeof setup>['cache'], tags?: (lang: string) => string[]) {
  let calls = 0
  const homeData = memoize(
    async (lang: string) => {
      calls++
      return `${lang} #${calls}`
    },
    { cache, name: 'homeData', ttl: '5m', tags: tags ?? ['home'] },
  )
  return { homeData, calls: () => calls }
}

describe('memoize invalidation', () => {
  it('invalidate({ keys: [fn.keyFor(args)] }) makes that call a miss and no other', async () => {
    const { cache } = setup()
    const { homeData, calls } = countingLoader(cache)
    await homeData('en')
    await homeData('fr')
    await cache.invalidate({ keys: [homeData.keyFor('en')] })
    expect(await homeData('en')).toBe('en #3')
    expect(await homeData('fr')).toBe('fr #2')
    expect(calls()).toBe(3)
  })

  it('invalidate({ tags }) makes every value filled under the tag a miss', async () => {
    const { cache } = setup()
    const { homeData, calls } = countingLoader(cache)
    await homeData('en')
    await homeData('fr')
    await cache.invalidate({ tags: ['home'] })
    await homeData('en')
    await homeData('fr')
    expect(calls()).toBe(4)
  })

  it('tags computed from the arguments invalidate only the calls they name', async () => {
    const { cache } = setup()
    const { homeData, calls } = countingLoader(cache, (lang) => ['home', `lang:${lang}`])
    await homeData('en')
    await homeData('fr')
    await cache.invalidate({ tags: ['lang:fr'] })
    expect(await homeData('en')).toBe('en #1')
    expect(await homeData('fr')).toBe('fr #3')
    expect(calls()).toBe(3)
  })

  it('a fill running when its key is invalidated answers its callers but is not stored as fresh', async () => {
    const { cache } = setup()
    const origin = controlledOrigin<[string], string>()
    const homeData = memoize(origin.fn, { cache, name: 'homeData', tags: ['home'] })
    const first = homeData('en')
    await flushPromises()
    await cache.invalidate({ keys: [homeData.keyFor('en')] })
    origin.calls[0]!.result.resolve('before the write')
    expect(await first).toBe('before the write')
    const second = homeData('en')
    await flushPromises()
    expect(origin.calls).toHaveLength(2)
    origin.calls[1]!.result.resolve('after the write')
    expect(await second).toBe('after the write')
  })

  it('a fill running when its tag is invalidated is not stored as fresh', async () => {
    const { cache } = setup()
    const origin = controlledOrigin<[string], string>()
    const homeData = memoize(origin.fn, { cache, name: 'homeData', tags: ['home'] })
    const first = homeData('en')
    await flushPromises()
    await cache.invalidate({ tags: ['home'] })
    origin.calls[0]!.result.resolve('stale data')
    expect(await first).toBe('stale data')
    const second = homeData('en')
    await flushPromises()
    expect(origin.calls).toHaveLength(2)
    origin.calls[1]!.result.resolve('fresh data')
    expect(await second).toBe('fresh data')
  })
})
