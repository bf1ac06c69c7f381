// A local Redis Cluster (three masters the test starts) passes the Store contract: every key a
// script touches shares the `{prefix}` hash slot.
import { Cluster } from 'ioredis'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { memoryStore } from '../../src/stores/memory.js'
import { redisStore, tieredStore } from '../../src/stores/redis.js'
import { storeContract, until } from '../stores/store-contract.js'
import { describeRedis, randomPrefix, startCluster, type LocalCluster } from './helpers.js'

describeRedis('on a Redis Cluster', () => {
  let cluster: LocalCluster
  let client: Cluster
  beforeAll(async () => {
    cluster = await startCluster()
    client = new Cluster(
      cluster.ports.map((port) => ({ host: '127.0.0.1', port })),
      { enableOfflineQueue: false, redisOptions: { maxRetriesPerRequest: 1 } },
    )
    client.on('error', () => undefined)
    await until(async () => client.status === 'ready', 10_000)
  }, 30_000)
  afterAll(async () => {
    client?.disconnect()
    await cluster?.stop()
  })

  it('places every key of a store in one slot, owned by one master', async () => {
    const store = redisStore({ client, prefix: randomPrefix('slot') })
    await store.set(
      'a',
      {
        storedAt: Date.now(),
        freshUntil: Date.now() + 1000,
        staleUntil: Date.now() + 1000,
        errorUntil: Date.now() + 1000,
        tags: ['x'],
        tagVersions: [0],
        meta: {},
        body: new Uint8Array(1),
      },
      60_000,
    )
    await store.invalidateTags(['x', 'y'])
    const holders = await Promise.all(client.nodes('master').map((node) => node.dbsize()))
    expect(holders.filter((count) => count > 0)).toHaveLength(1)
    await store.clear()
    await store.close()
  })

  storeContract(
    'redis (cluster)',
    () => {
      const store = redisStore({ client, prefix: randomPrefix('cluster') })
      return { store, cleanup: async () => (await store.clear(), await store.close()) }
    },
    { locks: true, size: false },
  )

  storeContract(
    'tiered (cluster)',
    async () => {
      const store = tieredStore({ l1: memoryStore(), l2: redisStore({ client, prefix: randomPrefix('cluster-t') }) })
      await until(async () => store.busConnected, 10_000)
      return { store, cleanup: async () => (await store.clear(), await store.close()) }
    },
    { locks: true, size: true },
  )
})
