// A Redis link that stays open and stops answering (a frozen proxy: the client still reads
// 'ready'): a waiter for another process's fill stops waiting and fills itself, and an explicit
// invalidation fails with E_STORE_ERROR instead of hanging.
import type { Redis } from 'ioredis'
import { afterEach, expect, it } from 'vitest'
import { CacheError } from '../../src/errors.js'
import { createCache } from '../../src/engine/cache.js'
import { redisStore, type RedisStore } from '../../src/stores/redis.js'
import { deferred } from '../helpers/deferred.js'
import { startDelayProxy, type DelayProxy } from './delay-proxy.js'
import { connectClient, describeRedis, randomPrefix, REDIS_URL } from './helpers.js'

const LOCK_TIMEOUT = 10_000

describeRedis('a Redis that stops answering', () => {
  const opened: { proxy: DelayProxy; clients: Redis[]; stores: RedisStore[] }[] = []
  afterEach(async () => {
    for (const { proxy, clients, stores } of opened.splice(0)) {
      proxy.thaw()
      for (const store of stores) await store.close()
      for (const client of clients) client.disconnect()
      await proxy.close()
    }
  })

  async function twoProcesses() {
    const prefix = randomPrefix('unanswering')
    const healthy = await connectClient()
    const proxy = await startDelayProxy(Number(new URL(REDIS_URL).port || 6379))
    const frozen = await connectClient(`redis://127.0.0.1:${proxy.port}`)
    const stores = [redisStore({ client: healthy, prefix }), redisStore({ client: frozen, prefix })]
    opened.push({ proxy, clients: [healthy, frozen], stores })
    return { proxy, healthyStore: stores[0]!, frozenStore: stores[1]! }
  }

  it('a waiter for another process’s fill stops waiting and fills itself, long before lockTimeout', async () => {
    const { proxy, healthyStore, frozenStore } = await twoProcesses()
    const waiting = deferred()
    const watched: RedisStore = {
      ...frozenStore,
      waitForFill(key, timeoutMs) {
        waiting.resolve()
        return frozenStore.waitForFill(key, timeoutMs)
      },
    }
    const plan = { ttl: 60_000, staleWhileRevalidate: 0, staleIfError: 0, tags: [] }
    const leaderCache = createCache({ store: healthyStore, lockTimeout: LOCK_TIMEOUT })
    const waiterCache = createCache({ store: watched, lockTimeout: LOCK_TIMEOUT, storeTimeout: 50 })
    const leader = leaderCache.beginFill('k', plan)
    expect(await leader.ready).toBeUndefined()
    const waiter = waiterCache.beginFill('k', plan)
    await waiting.promise
    proxy.frozen = true
    const started = performance.now()
    leader.commit({ status: 200 }, new Uint8Array([1]))
    // Undefined: nothing could be read over the frozen link, so the waiter runs the origin itself.
    expect(await waiter.ready).toBeUndefined()
    expect(performance.now() - started).toBeLessThan(LOCK_TIMEOUT / 5)
  })

  it('invalidate and clear fail with E_STORE_ERROR rather than hang', async () => {
    const { proxy, frozenStore } = await twoProcesses()
    const cache = createCache({ store: frozenStore, storeTimeout: 50 })
    proxy.frozen = true
    const failures = [cache.invalidate({ tags: ['t'] }), cache.invalidate({ keys: ['k'] }), cache.clear()]
    for (const failure of failures) {
      await expect(failure).rejects.toThrow(CacheError)
      await expect(failure).rejects.toMatchObject({ code: 'E_STORE_ERROR' })
    }
  }, 15_000)
})
