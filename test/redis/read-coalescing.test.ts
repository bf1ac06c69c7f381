// Reads of one key that overlap share one Redis round trip, unless this store changed something
// since it was sent; a value read again with unchanged bytes keeps its meta and body objects.
import type { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { redisStore, type RedisStore } from '../../src/stores/redis.js'
import { makeEntry } from '../stores/store-contract.js'
import { connectClient, describeRedis, randomPrefix } from './helpers.js'

describeRedis('redisStore reads', () => {
  let client: Redis
  let store: RedisStore
  const sent: string[] = []
  beforeAll(async () => {
    client = await connectClient()
    // Counts the commands the store sends (EVALSHA of the read script, among others).
    const callBuffer = client.callBuffer.bind(client) as (...args: unknown[]) => Promise<unknown>
    ;(client as unknown as { callBuffer: (...args: unknown[]) => Promise<unknown> }).callBuffer = (...args) => {
      sent.push(String(args[0]))
      return callBuffer(...args)
    }
  })
  afterAll(async () => {
    await client.quit()
  })
  afterEach(async () => {
    await store.clear()
    await store.close()
  })
  const fresh = () => {
    store = redisStore({ client, prefix: randomPrefix('reads') })
    sent.length = 0
    return store
  }

  it('serves overlapping reads of a key from one round trip, each rebased on its own clock', async () => {
    fresh()
    const now = Date.now()
    await store.set('/a', makeEntry(now), 60_000)
    sent.length = 0
    const [first, second, third] = await Promise.all([
      store.get('/a', now),
      store.get('/a', now + 5),
      store.get('/a', now),
    ])
    expect(sent.filter((command) => command === 'evalsha')).toHaveLength(1)
    expect(first?.storedAt).toBe(third?.storedAt)
    expect(second!.storedAt - first!.storedAt).toBe(5)
    expect(Buffer.from(second!.body).toString()).toBe('hello')
  })

  it('does not share a read sent before its own write, delete or invalidation', async () => {
    fresh()
    const now = Date.now()
    await store.set('/b', makeEntry(now, { body: Buffer.from('old'), tags: ['t'], tagVersions: [0] }), 60_000)
    const before = store.get('/b', now)
    const writing = store.set('/b', makeEntry(now, { body: Buffer.from('new'), tags: ['t'], tagVersions: [0] }), 60_000)
    const after = store.get('/b', now)
    await writing
    expect(Buffer.from((await before)!.body).toString()).toBe('old')
    expect(Buffer.from((await after)!.body).toString()).toBe('new')

    const reading = store.get('/b', now)
    const invalidating = store.invalidateTags(['t'])
    const afterInvalidation = store.get('/b', now)
    await invalidating
    expect(await reading).toBeDefined()
    expect(await afterInvalidation).toBeUndefined()
  })

  it('keeps the meta and body objects while the stored bytes are unchanged, and decodes anew once they change', async () => {
    fresh()
    const now = Date.now()
    await store.set('/c', makeEntry(now), 60_000)
    const one = await store.get('/c', now)
    const two = await store.get('/c', now + 1)
    expect(two).not.toBe(one)
    expect(two!.meta).toBe(one!.meta)
    expect(two!.body).toBe(one!.body)
    await store.set('/c', makeEntry(now, { body: Buffer.from('changed') }), 60_000)
    const three = await store.get('/c', now)
    expect(three!.meta).not.toBe(one!.meta)
    expect(Buffer.from(three!.body).toString()).toBe('changed')
  })
})
