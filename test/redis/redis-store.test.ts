// What only the Redis store has: the on-wire format and key layout, refusal of foreign or corrupt
// data (a miss, and the key deleted), fail-fast when not connected, and option validation.
import type { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { CacheOptionError } from '../../src/errors.js'
import { memoryStore } from '../../src/stores/memory.js'
import { redisStore, tieredStore, type RedisStore } from '../../src/stores/redis.js'
import { makeEntry, until } from '../stores/store-contract.js'
import { connectClient, describeRedis, randomPrefix } from './helpers.js'

const MAGIC = Buffer.from('CFR\x02', 'latin1')

function frame(header: string, body = Buffer.from('body'), magic = MAGIC): Buffer {
  const json = Buffer.from(header)
  const length = Buffer.alloc(4)
  length.writeUInt32BE(json.length)
  return Buffer.concat([magic, length, json, body])
}

const GOOD_HEADER = '{"t":60000,"f":1000,"s":1000,"e":1000,"g":[],"v":[],"m":{},"b":4}'

describeRedis('redisStore', () => {
  let client: Redis
  let store: RedisStore
  let prefix: string
  const refused: string[] = []
  beforeAll(async () => {
    client = await connectClient()
  })
  afterAll(async () => {
    await client.quit()
  })
  afterEach(async () => {
    await store.clear()
    await store.close()
  })
  const fresh = () => {
    prefix = randomPrefix('store')
    refused.length = 0
    store = redisStore({ client, prefix, maxEntryBytes: '1kb', onError: (error) => refused.push(error.code) })
    return store
  }

  it('stores the raw body after a small JSON header, under the prefixed key, with a Redis TTL', async () => {
    fresh()
    const now = Date.now()
    await store.set(
      '/page?q=1',
      makeEntry(now, { body: Buffer.from('<p>raw</p>'), tags: ['t'], tagVersions: [0] }),
      60_000,
    )
    const key = `cachefront:{${prefix}}:e2:/page?q=1`
    const raw = (await client.getBuffer(key))!
    expect(raw.subarray(0, 4)).toEqual(MAGIC)
    const headerLength = raw.readUInt32BE(4)
    const header = JSON.parse(raw.subarray(8, 8 + headerLength).toString()) as Record<string, unknown>
    expect(header).toMatchObject({ t: 60_000, f: 10_000, s: 20_000, e: 30_000, g: ['t'], v: [0] })
    expect(raw.subarray(8 + headerLength).toString()).toBe('<p>raw</p>')
    const pttl = await client.pttl(key)
    expect(pttl).toBeGreaterThan(59_000)
    expect(pttl).toBeLessThanOrEqual(60_000)
  })

  const corrupt: [string, (key: string) => Promise<unknown>][] = [
    ['a foreign string', (key) => client.set(key, 'hello world, not ours', 'PX', 60_000)],
    ['another type', (key) => client.hset(key, 'f', 'v').then(() => client.pexpire(key, 60_000))],
    ['a bad magic', (key) => client.set(key, frame(GOOD_HEADER, undefined, Buffer.from('CFR\x09')), 'PX', 60_000)],
    ['a truncated header', (key) => client.set(key, frame(GOOD_HEADER).subarray(0, 20), 'PX', 60_000)],
    ['a body cut short', (key) => client.set(key, frame(GOOD_HEADER, Buffer.from('bod')), 'PX', 60_000)],
    ['a body longer than written', (key) => client.set(key, frame(GOOD_HEADER, Buffer.from('bodyx')), 'PX', 60_000)],
    [
      'the previous format (no body length)',
      (key) =>
        client.set(key, frame(GOOD_HEADER.replace(',"b":4', ''), undefined, Buffer.from('CFR\x01')), 'PX', 60_000),
    ],
    ['a header that is not JSON', (key) => client.set(key, frame('{"t":6'), 'PX', 60_000)],
    [
      'a __proto__ key',
      (key) => client.set(key, frame(GOOD_HEADER.replace('"m":{}', '"m":{"__proto__":{"x":1}}')), 'PX', 60_000),
    ],
    [
      'a constructor key',
      (key) => client.set(key, frame(GOOD_HEADER.replace('"m":{}', '"m":{"a":{"constructor":1}}')), 'PX', 60_000),
    ],
    ['an unknown field', (key) => client.set(key, frame(GOOD_HEADER.replace('"m":{}', '"m":{},"x":1')), 'PX', 60_000)],
    [
      'bad tag versions',
      (key) => client.set(key, frame(GOOD_HEADER.replace('"g":[],"v":[]', '"g":["a"],"v":["0"]')), 'PX', 60_000),
    ],
    ['negative times', (key) => client.set(key, frame(GOOD_HEADER.replace('"f":1000', '"f":-5')), 'PX', 60_000)],
    ['no TTL', (key) => client.set(key, frame(GOOD_HEADER))],
    ['an oversized value', (key) => client.set(key, frame(GOOD_HEADER, Buffer.alloc(4096)), 'PX', 60_000)],
  ]
  for (const [what, write] of corrupt) {
    it(`answers a miss for ${what}, deletes the key, and reports it`, async () => {
      fresh()
      const key = `cachefront:{${prefix}}:e2:bad`
      await write(key)
      expect(await store.get('bad', Date.now())).toBeUndefined()
      expect(await client.exists(key)).toBe(0)
      expect(refused).toEqual(['E_BAD_STORE_DATA'])
    })
  }

  it('reads a well-formed entry written by hand (the format is the contract)', async () => {
    fresh()
    await client.set(`cachefront:{${prefix}}:e2:ok`, frame(GOOD_HEADER), 'PX', 60_000)
    const entry = (await store.get('ok', 1_000_000))!
    expect(Buffer.from(entry.body).toString()).toBe('body')
    expect(entry.freshUntil - entry.storedAt).toBe(1000)
    expect(entry.storedAt).toBeLessThanOrEqual(1_000_000)
  })

  it.each([
    ['a word', (key: string) => client.set(key, 'seven')],
    ['a hash', (key: string) => client.hset(key, 'v', '1')],
  ])('repairs a tag key holding %s when the tag is invalidated', async (_, plant) => {
    fresh()
    const tagKey = `cachefront:{${prefix}}:t:home`
    await plant(tagKey)
    await store.invalidateTags(['home'])
    const [version] = await store.tagVersions(['home'])
    expect(version).toBeGreaterThan(1_600_000_000_000)
    await store.set('page', makeEntry(Date.now(), { tags: ['home'], tagVersions: [version!] }), 60_000)
    expect(await store.get('page', Date.now())).toBeDefined()
    await store.invalidateTags(['home'])
    expect(await store.get('page', Date.now())).toBeUndefined()
  })

  it('does not store an entry larger than maxEntryBytes', async () => {
    fresh()
    await store.set('big', makeEntry(Date.now(), { body: new Uint8Array(2048) }), 60_000)
    expect(await client.exists(`cachefront:{${prefix}}:e2:big`)).toBe(0)
  })

  it('fails fast, without queueing, when the connection is not ready', async () => {
    fresh()
    const offline = await connectClient()
    offline.disconnect()
    await until(async () => offline.status === 'end')
    const dead = redisStore({ client: offline, prefix })
    const started = Date.now()
    await expect(dead.get('k', Date.now())).rejects.toThrow(/not ready/)
    await expect(dead.set('k', makeEntry(Date.now()), 1000)).rejects.toThrow(/not ready/)
    await expect(dead.acquireFillLock('k', 1000)).rejects.toThrow(/not ready/)
    await dead.waitForFill('k', 10_000)
    expect(Date.now() - started).toBeLessThan(100)
    await dead.close()
  })
})

describe('redisStore and tieredStore options', () => {
  const client = { status: 'wait', call() {}, callBuffer() {}, duplicate() {}, connect() {} } as never

  it('are checked at creation', () => {
    expect(() => redisStore({ client: {} as never, prefix: 'p' })).toThrow(CacheOptionError)
    expect(() => redisStore({ client, prefix: '' })).toThrow(/expected redisStore prefix/)
    expect(() => redisStore({ client, prefix: 'a{b}' })).toThrow(/expected redisStore prefix/)
    expect(() => redisStore({ client, prefix: 'a*' })).toThrow(/expected redisStore prefix/)
    expect(() => redisStore({ client, prefix: 'p', maxEntryBytes: 'lots' as never })).toThrow(/maxEntryBytes/)
    expect(() => redisStore({ client, prefix: 'p', onError: 1 as never })).toThrow(/onError/)
    expect(() => redisStore({ client, prefix: 'p', ttl: 1 } as never)).toThrow(/one of client, prefix/)
    const l2 = redisStore({ client, prefix: 'p' })
    expect(() => tieredStore({ l1: memoryStore(), l2: memoryStore() as never })).toThrow(/expected tieredStore l2/)
    expect(() => tieredStore({ l1: {} as never, l2 })).toThrow(/expected tieredStore l1/)
    expect(() => tieredStore({ l1: memoryStore(), l2, l3: 1 } as never)).toThrow(/one of l1, l2/)
  })
})
