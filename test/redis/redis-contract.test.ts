// The redis and tiered stores against the shared Store contract, on the Redis at REDIS_URL.
import type { Redis } from 'ioredis'
import { afterAll, beforeAll } from 'vitest'
import { memoryStore } from '../../src/stores/memory.js'
import { redisStore, tieredStore } from '../../src/stores/redis.js'
import { until } from '../stores/store-contract.js'
import { storeContract } from '../stores/store-contract.js'
import { connectClient, describeRedis, randomPrefix } from './helpers.js'

describeRedis('on a single Redis', () => {
  let client: Redis
  beforeAll(async () => {
    client = await connectClient()
  })
  afterAll(async () => {
    await client.quit()
  })

  storeContract(
    'redis',
    () => {
      const store = redisStore({ client, prefix: randomPrefix('contract') })
      return { store, cleanup: async () => (await store.clear(), await store.close()) }
    },
    { locks: true, size: false },
  )

  storeContract(
    'tiered',
    async () => {
      const l2 = redisStore({ client, prefix: randomPrefix('contract-tiered') })
      const store = tieredStore({ l1: memoryStore(), l2 })
      // L1 is only filled while the bus is live: wait for it, as a long-running server would have.
      await until(async () => store.busConnected)
      return { store, cleanup: async () => (await store.clear(), await store.close()) }
    },
    { locks: true, size: true },
  )
})
