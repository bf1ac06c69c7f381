import { describe, expect, it } from 'vitest'
import { deferred, flushPromises } from '../helpers/deferred.js'
import { honoFixture } from '../helpers/hono-app.js'

describe('hono adapter: invalidation', () => {
  it('makes every entry carrying a tag a miss', async () => {
    const { get, cache, calls } = honoFixture((c, call) => c.text(`${c.req.path} ${call}`), {
      tags: (request) => (request.path.startsWith('/products') ? ['products'] : ['other']),
    })
    await get('/products/1')
    await get('/products/2')
    await get('/about')
    await cache.invalidate({ tags: ['products'] })
    expect(await (await get('/products/1')).text()).toBe('/products/1 4')
    expect(await (await get('/products/2')).text()).toBe('/products/2 5')
    expect(await (await get('/about')).text()).toBe('/about 3')
    expect(calls()).toBe(5)
  })

  it('invalidates a tag with one store call whatever the number of entries', async () => {
    const { get, cache } = honoFixture((c) => c.text(c.req.path), { tags: ['all'] })
    for (let i = 0; i < 200; i++) await get(`/item/${i}`)
    let storeCalls = 0
    const original = cache.store.invalidateTags.bind(cache.store)
    cache.store.invalidateTags = (tags) => {
      storeCalls++
      return original(tags)
    }
    await cache.invalidate({ tags: ['all'] })
    expect(storeCalls).toBe(1)
    expect((await get('/item/7')).headers.get('cache-status')).toBe('cachefront; fwd=miss; stored')
  })

  it('invalidates every variant of a URL path', async () => {
    const { get, cache, calls } = honoFixture((c, call) => c.text(`call ${call}`))
    await get('/q?a=1')
    await get('/q?a=2')
    await get('/other')
    await cache.invalidate({ paths: ['/q'] })
    expect((await get('/q?a=1')).headers.get('cache-status')).toBe('cachefront; fwd=miss; stored')
    expect((await get('/q?a=2')).headers.get('cache-status')).toBe('cachefront; fwd=miss; stored')
    expect((await get('/other')).headers.get('cache-status')).toMatch(/^cachefront; hit/)
    expect(calls()).toBe(5)
  })

  it('invalidates by key', async () => {
    const { get, cache } = honoFixture((c, call) => c.text(`call ${call}`), {
      key: (request) => `page:${request.path}`,
    })
    await get('/a')
    await cache.invalidate({ keys: ['page:/a'] })
    expect(await (await get('/a')).text()).toBe('call 2')
  })

  it('clears everything', async () => {
    const { get, cache } = honoFixture((c, call) => c.text(`call ${call}`))
    await get('/a')
    await cache.clear()
    expect(await (await get('/a')).text()).toBe('call 2')
  })

  it.each([
    ['its tag', { tags: ['home'] }],
    ['its key', { keys: ['app.test/'] }],
    ['its path', { paths: ['/'] }],
  ])('does not store as fresh a fill that was in flight when %s was invalidated', async (_, target) => {
    const gate = deferred()
    const { get, cache, calls } = honoFixture(
      async (c, call) => {
        if (call === 1) await gate.promise
        return c.text(`call ${call}`)
      },
      { tags: ['home'] },
    )
    const inFlight = get('/')
    await flushPromises()
    await cache.invalidate(target)
    gate.resolve()
    expect(await (await inFlight).text()).toBe('call 1')
    expect(await (await get('/')).text()).toBe('call 2')
    expect(calls()).toBe(2)
  })

  it('rejects a malformed invalidation target', async () => {
    const { cache } = honoFixture((c) => c.text('x'))
    await expect(cache.invalidate({ tags: 'home' as never })).rejects.toThrow(TypeError)
  })
})
