// Races between processes sharing a real Redis (127.0.0.1:6379): clocks minutes apart, a tiered
// store's bus connection dropped while another process invalidates, and another app version
// writing entries of another format under the same keys. Waits poll an observable condition.
import type { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { memoryStore } from '../../src/index.js'
import { redisStore, tieredStore, type TieredStore } from '../../src/stores/redis.js'
import { MAGIC, encodeEntry } from '../../src/stores/redis/codec.js'
import type { Store } from '../../src/stores/store.js'
import { fakeClock } from '../helpers/clock.js'
import { REDIS_URL, describeRedis } from '../redis/helpers.js'
import { until } from '../stores/store-contract.js'
import {
  entryKey,
  heldClient,
  holdingProxy,
  raceApp,
  type HeldClient,
  type RaceApp,
  type RaceAppOptions,
  raceResources,
} from './fixtures/redis-races.js'

const MINUTES = 60_000
const T0 = 1_700_000_000_000

describeRedis('redis races: fleet', () => {
  const resources = raceResources()
  const { opened, newPrefix } = resources

  async function simulate(
    kind: 'redis' | 'tiered',
    prefix: string,
    options: RaceAppOptions,
    url?: string,
    name?: string,
  ): Promise<RaceApp & HeldClient & { store: Store }> {
    const held = await heldClient(name === undefined ? {} : { connectionName: name }, url)
    const l2 = redisStore({ client: held.client, prefix })
    const store: Store = kind === 'tiered' ? tieredStore({ l1: memoryStore(), l2 }) : l2
    if (kind === 'tiered') await until(async () => (store as TieredStore).busConnected)
    const app = raceApp(store, options)
    opened.push({ close: () => app.close().then(() => held.client.quit()) })
    return Object.assign(app, held, { store })
  }

  describe.each(['redis', 'tiered'] as const)('clock skew (%s store)', (kind) => {
    // Fresh 10 s, then stale-while-revalidate 20 s, servable on error 60 s: Redis keeps it 70 s.
    const route = { ttl: '10s', staleWhileRevalidate: '20s', staleIfError: '60s' } as const
    /** Makes Redis see `elapsedMs` since the write: its TTL is the only clock the fleet shares. */
    const age = (prefix: string, key: string, elapsedMs: number) =>
      resources.admin.pexpire(entryKey(prefix, key), 70_000 - elapsedMs)

    it('freshness follows the Redis TTL, whatever each reader’s clock says', async () => {
      const prefix = newPrefix(`skew-${kind}`)
      const writer = await simulate(kind, prefix, { name: 'W', route, cache: { now: fakeClock(T0) } })
      const ahead = await simulate(kind, prefix, { name: 'ahead', route, cache: { now: fakeClock(T0 + 7 * MINUTES) } })
      const behind = await simulate(kind, prefix, {
        name: 'behind',
        route,
        cache: { now: fakeClock(T0 - 7 * MINUTES) },
      })
      for (const key of ['/item/fresh', '/item/stale', '/item/ahead-expired', '/item/behind-expired']) {
        await writer.get(key)
      }
      await until(async () => writer.writesDone() === 4)

      // Just written: fresh for both, with an Age from Redis, not from the 7-minute offsets.
      for (const reader of [ahead, behind]) {
        const hit = await reader.get('/item/fresh')
        expect(hit.cacheStatus).toMatch(/^cachefront; hit/)
        expect(hit.age).toBeLessThan(5)
      }
      // 15 s old by Redis: stale (served while one refresh runs) for both.
      await age(prefix, '/item/stale', 15_000)
      for (const reader of [ahead, behind]) {
        const stale = await reader.get('/item/stale')
        expect(stale.body).toBe('stale by W #2')
        expect(stale.cacheStatus).toMatch(/^cachefront; hit; .*detail=stale/)
        expect(stale.age).toBeGreaterThanOrEqual(15)
        expect(stale.age).toBeLessThan(20)
      }
      // 35 s old by Redis: past stale-while-revalidate; never served, even to the reader behind.
      await age(prefix, '/item/ahead-expired', 35_000)
      await age(prefix, '/item/behind-expired', 35_000)
      expect((await ahead.get('/item/ahead-expired')).body).toMatch(/by ahead/)
      expect((await behind.get('/item/behind-expired')).body).toMatch(/by behind/)
      expect(ahead.errors.concat(behind.errors)).toEqual([])
    })
  })

  it('tiered: while its bus is down L1 is neither served nor filled; after reconnecting, no old copy', async () => {
    const prefix = newPrefix('bus')
    const proxy = await holdingProxy(Number(new URL(REDIS_URL).port || 6379))
    opened.push(proxy)
    const name = `cf-races-${prefix.slice(-8)}`
    const clock = fakeClock()
    const a = await simulate('tiered', prefix, { name: 'A', cache: { now: clock } }, proxy.url, name)
    const b = await simulate('redis', prefix, { name: 'B', cache: { now: clock } })
    const tiered = a.store as TieredStore
    for (const key of ['/item/1', '/item/2'])
      expect((await a.get(key)).body).toBe(`${key.slice(6)} by A #${key.slice(6)}`)
    await until(async () => tiered.size!().entries === 2)

    // A's subscriber connection is killed and cannot reconnect until the test lets it.
    proxy.hold()
    const clients = (await resources.admin.client('LIST')) as string
    const subscriber = clients.split('\n').find((line) => line.includes(` name=${name} `) && / sub=[1-9]/.test(line))
    await resources.admin.client('KILL', 'ID', /id=(\d+)/.exec(subscriber!)![1]!)
    await until(async () => !tiered.busConnected)
    await b.cache.invalidate({ tags: ['items'] })

    // During the gap: A's L1 copy is not served (A cannot know of B's invalidation) and A's new
    // fill is not copied into L1; reads go to Redis, which checks the tag versions.
    const gap = await a.get('/item/1')
    expect(gap.body).toBe('1 by A #3')
    await until(async () => a.writesDone() === 3)
    expect(tiered.size!().entries).toBe(0)

    proxy.release()
    await until(async () => tiered.busConnected, 10_000)
    expect((await a.get('/item/1')).body).toBe('1 by A #3')
    expect((await a.get('/item/2')).body).toBe('2 by A #4')
    expect((await b.get('/item/2')).body).toBe('2 by A #4')
  })

  describe('another app version sharing the Redis', () => {
    const entry = {
      storedAt: T0,
      freshUntil: T0 + MINUTES,
      staleUntil: T0 + MINUTES,
      errorUntil: T0 + MINUTES,
      tags: [],
      tagVersions: [],
      meta: { status: 200, headers: ['content-type', 'text/plain'], etag: '"other"', varyOn: [], variant: '' },
      body: Buffer.from('written by the other version'),
    }
    const current = encodeEntry({ ...entry, meta: { ...entry.meta, marker: false } }, MINUTES)
    const withVersion = (version: number): Buffer =>
      Buffer.concat([MAGIC.subarray(0, 3), Buffer.from([version]), current.subarray(4)])
    const FOREIGN: [string, (client: Redis, key: string) => Promise<unknown>][] = [
      ['a newer format version', (client, key) => client.set(key, withVersion(MAGIC[3]! + 1), 'PX', MINUTES)],
      ['an older format version', (client, key) => client.set(key, withVersion(MAGIC[3]! - 1), 'PX', MINUTES)],
      ['this format with another metadata layout', (client, key) => client.set(key, encodeEntry(entry, MINUTES))],
      [
        'a hash (another key layout)',
        (client, key) => client.del(key).then(() => client.hset(key, 'body', 'written by the other version')),
      ],
    ]

    it.each(FOREIGN)('%s under our keys: a miss, never served, and our writes keep working', async (_, write) => {
      const prefix = newPrefix('versions')
      const app = await simulate('redis', prefix, { name: 'V1', cache: { now: fakeClock() } })
      const key = entryKey(prefix, '/item/1')
      for (let round = 1; round <= 3; round++) {
        // The other version (re)writes the key between our requests, as its own fills would.
        await write(resources.admin, key)
        const reply = await app.get('/item/1')
        expect(reply.status).toBe(200)
        expect(reply.body).toBe(`1 by V1 #${round}`)
        await until(async () => app.writesDone() === round)
        // Our own write landed over it and is served from Redis.
        expect((await app.get('/item/1')).cacheStatus).toMatch(/^cachefront; hit/)
      }
      expect(app.errors.every((error) => error.code === 'E_BAD_STORE_DATA')).toBe(true)
    })
  })
})
