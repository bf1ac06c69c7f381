// A fill finished by another process is found while taking the fleet-wide lock; under a Vary
// route what it stored may be a marker or another variant, never this request's answer.
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { createCache, memoryStore, type Store } from '../../src/index.js'
import { cacheResponse as honoCache } from '../../src/adapters/hono.js'
import { cacheResponse as fetchCache } from '../../src/adapters/fetch.js'

function sharedStoreWithLockHeldElsewhere(shared: Store): Store {
  return {
    ...shared,
    name: 'shared',
    get: (key, now) => shared.get(key, now),
    set: (key, entry, ttl) => shared.set(key, entry, ttl),
    acquireFillLock: () => undefined,
    waitForFill: () => Promise.resolve(),
  }
}

describe('a fill completed elsewhere under a Vary route', () => {
  it('runs the origin for a variant the other process did not store, instead of serving the marker', async () => {
    const shared = memoryStore()
    const other = new Hono()
    other.get('/', honoCache({ cache: createCache({ store: shared }) }), (c) => {
      c.header('vary', 'Accept-Language')
      return c.text(`hello ${c.req.header('accept-language')}`)
    })
    await other.request('http://app.test/', { headers: { 'accept-language': 'fr' } })

    let calls = 0
    const cache = createCache({ store: sharedStoreWithLockHeldElsewhere(shared) })
    const handler = fetchCache(
      async (request) => {
        calls++
        return new Response(`hello ${request.headers.get('accept-language')}`, { headers: { vary: 'Accept-Language' } })
      },
      { cache },
    )
    const de = await handler(new Request('http://app.test/', { headers: { 'accept-language': 'de' } }))
    expect(await de.text()).toBe('hello de')
    expect(calls).toBe(1)
    const fr = await handler(new Request('http://app.test/', { headers: { 'accept-language': 'fr' } }))
    expect(await fr.text()).toBe('hello fr')
    expect(calls).toBe(1)
  })
})
