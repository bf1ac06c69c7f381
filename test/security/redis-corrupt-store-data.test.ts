// Corrupt data in a real Redis (127.0.0.1:6379): raw bytes written under the store's own entry
// keys — garbage, truncated, oversized headers, another format version, hostile metadata — are
// misses on every adapter, reported and deleted; nothing read from Redis is evaluated.
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { redisStore } from '../../src/stores/redis.js'
import { MAGIC, encodeEntry } from '../../src/stores/redis/codec.js'
import type { CacheEntry, CacheError } from '../../src/index.js'
import { connectClient, describeRedis, randomPrefix } from '../redis/helpers.js'
import { ADAPTERS, DEFAULT_HOST } from './fixtures/apps.js'
import { useApps } from './fixtures/suite.js'

function entryWith(meta: unknown, body = Buffer.from('stored body')): CacheEntry {
  const storedAt = Date.now()
  return {
    storedAt,
    freshUntil: storedAt + 60_000,
    staleUntil: storedAt + 60_000,
    errorUntil: storedAt + 60_000,
    tags: [],
    tagVersions: [],
    meta: meta as CacheEntry['meta'],
    body,
  }
}

const goodMeta = {
  status: 200,
  headers: ['content-type', 'text/plain'],
  etag: '"x"',
  varyOn: [],
  variant: '',
  marker: false,
}
const valid = encodeEntry(entryWith(goodMeta), 60_000)
const header = (length: number): Buffer => {
  const out = Buffer.alloc(8)
  MAGIC.copy(out, 0)
  out.writeUInt32BE(length, 4)
  return out
}

const RAW: [string, Buffer][] = [
  ['random garbage', Buffer.from('\x00\xff garbage \x13\x37')],
  ['an empty value', Buffer.alloc(0)],
  ['a truncated entry', valid.subarray(0, valid.length - 40)],
  ['an entry whose body is cut short', valid.subarray(0, valid.length - 2)],
  ['only the prefix', valid.subarray(0, 8)],
  ['a header length past the end', Buffer.concat([header(1 << 30), Buffer.from('{}')])],
  ['another format version', Buffer.concat([Buffer.from([0x43, 0x46, 0x52, 0x63]), valid.subarray(4)])],
  ['JSON that is not an entry', Buffer.concat([header(7), Buffer.from('"hello"')])],
  ['invalid UTF-8 in the header', Buffer.concat([header(4), Buffer.from([0xc3, 0x28, 0xa0, 0xa1])])],
  [
    'prototype-polluting metadata',
    encodeEntry(entryWith(JSON.parse('{"__proto__":{"polluted":true},"status":200}')), 60_000),
  ],
  [
    'a header value with CRLF',
    encodeEntry(entryWith({ ...goodMeta, headers: ['x-a', 'b\r\nset-cookie: pwned=1'] }), 60_000),
  ],
  ['status 0', encodeEntry(entryWith({ ...goodMeta, status: 0 }), 60_000)],
  ['a marker with no variants', encodeEntry(entryWith({ ...goodMeta, marker: true }), 60_000)],
]

describeRedis('redis: corrupt store data', () => {
  let client: Redis
  beforeAll(async () => {
    client = await connectClient()
  })
  afterAll(async () => {
    client.quit().catch(() => undefined)
  })

  describe.each(ADAPTERS)('%s', (adapter) => {
    const open = useApps()

    it.each(RAW)('%s under the entry key is a miss, reported and deleted', async (_, bytes) => {
      const prefix = randomPrefix('security-corrupt')
      const errors: CacheError[] = []
      const onError = (error: CacheError): void => void errors.push(error)
      const app = await open(adapter, (_request, call) => ({ body: `origin ${call}` }), {
        cache: { store: redisStore({ client, prefix, onError }), onError, now: Date.now },
      })
      const entryKey = `cachefront:{${prefix}}:e2:${DEFAULT_HOST}/data`
      await client.set(entryKey, bytes, 'PX', 60_000)
      const answer = await app.send('/data')
      expect(answer.status).toBe(200)
      expect(answer.body).toBe('origin 1')
      expect(answer.header('set-cookie')).toBeUndefined()
      expect(errors.map((error) => error.code)).toContain('E_BAD_STORE_DATA')
      expect(({} as Record<string, unknown>).polluted).toBeUndefined()
      // Deleted (or already replaced by the origin's fresh answer): the corrupt bytes are gone.
      await app.cache.close()
      const left = await client.getBuffer(entryKey)
      expect(left === null || !left.equals(bytes)).toBe(true)
    })

    // A tag key holding another app's data (a hash, a string that is not a count) must not leave
    // every route with that tag uncacheable, an error on each request: it is repaired on the next
    // fill, as an invalidation of the tag, and what was stored under it before is not current.
    it.each([
      ['a hash', (key: string) => client.del(key).then(() => client.hset(key, 'f', 'v'))],
      ['a string that is not a count', (key: string) => client.set(key, 'v2-format:abc')],
    ])('%s under a tag key: the tag is repaired and the route cacheable again', async (_, write) => {
      const prefix = randomPrefix('security-corrupt-tag')
      const errors: CacheError[] = []
      const onError = (error: CacheError): void => void errors.push(error)
      const app = await open(adapter, (_request, call) => ({ body: `origin ${call}` }), {
        cache: { store: redisStore({ client, prefix, onError }), onError, now: Date.now },
        route: { tags: ['t1'] },
      })
      expect((await app.send('/data')).body).toBe('origin 1')
      expect((await app.send('/data')).body).toBe('origin 1')
      await write(`cachefront:{${prefix}}:t:t1`)
      expect((await app.send('/data')).body).toBe('origin 2')
      expect((await app.send('/data')).body).toBe('origin 2')
      expect((await app.send('/data')).header('cache-status')).toMatch(/; hit/)
      expect(app.calls()).toBe(2)
      expect(errors).toEqual([])
    })
  })
})
