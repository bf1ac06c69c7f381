// A response with `Vary` on a Redis-backed cache is stored: the variant is written under the variant
// key, fenced by the lock taken on the base key (it was once refused for want of a lock there).
import { afterAll, expect, it } from 'vitest'
import { createCache } from '../../src/index.js'
import { redisStore } from '../../src/stores/redis.js'
import { cacheResponse } from '../../src/adapters/fetch.js'
import { connectClient, describeRedis, randomPrefix } from './helpers.js'

describeRedis('Vary on a Redis store', () => {
  const clients: { quit(): Promise<unknown> }[] = []
  afterAll(async () => {
    for (const c of clients) await c.quit()
  })

  it('stores the variant: a second identical request is a hit', async () => {
    const client = await connectClient()
    clients.push(client)
    const store = redisStore({ client, prefix: randomPrefix('review-vary') })
    const writes: Promise<unknown>[] = []
    const set = store.set.bind(store)
    store.set = (...args) => {
      const done = Promise.resolve(set(...args))
      writes.push(done)
      return done
    }
    const cache = createCache({ store, storeTimeout: 1000 })
    let calls = 0
    const handler = cacheResponse(
      async (request) => {
        calls++
        return new Response(`hello ${request.headers.get('accept-language')}`, { headers: { vary: 'Accept-Language' } })
      },
      { cache },
    )
    const ask = () => handler(new Request('http://app.test/v', { headers: { 'accept-language': 'fr' } }))
    const first = await ask()
    expect(await first.text()).toBe('hello fr')
    // The variant write starts at once; the marker's after its tag versions are read.
    while (writes.length < 2) await new Promise((resolve) => setImmediate(resolve))
    await Promise.all(writes)
    const second = await ask()
    expect(await second.text()).toBe('hello fr')
    expect(second.headers.get('cache-status')).toMatch(/hit/)
    expect(calls).toBe(1)
    await store.close()
  })
})
