// cachefront/redis: the Redis store (entries as bytes, tag versions, fleet-wide fill locks) and,
// re-exported, the tiered store built on it. Loads no Redis client itself: you pass an ioredis one.
import type { Cluster } from 'ioredis'
import { parseByteSize, type ByteSize } from '../engine/duration.js'
import { CacheError, badOption, rejectUnknownOptions } from '../errors.js'
import type { CacheEntry, FillLock, Store } from './store.js'
import { Subscriber, busMessage } from './redis/bus.js'
import { assertReady, commands, isRedisClient, type RedisClient } from './redis/client.js'
import { DecodeMemo, type DecodedEntry, decodeValue, encodeEntry, rebase, type StoredValue } from './redis/codec.js'
import { REDIS_INTERNALS, type RedisInternals } from './redis/internals.js'
import { keyLayout } from './redis/keys.js'
import { acquireFillLock, waitForFill } from './redis/lock.js'
import { DELETE, INVALIDATE, READ, READ_CORRUPT, READ_HIT, TAG_VERSIONS, WRITE, runScript } from './redis/scripts.js'

export { tieredStore, type TieredStore, type TieredStoreOptions } from './tiered.js'
export type { RedisClient } from './redis/client.js'

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /**
   * An ioredis client, `new Redis(url)` or `new Redis.Cluster(nodes)`; it stays yours to quit.
   * Create it with `enableOfflineQueue: false` and a small `maxRetriesPerRequest`: the store
   * already sends nothing while the connection is not ready, and this keeps other users of the
   * client from queueing behind an outage too.
   */
  client: RedisClient
  /** Starts every key and channel of this store (`cachefront:{prefix}:…`); letters, digits, `_ . : / -`. */
  prefix: string
  /**
   * Entries larger than this (encoded) are not stored, and are deleted when read.
   * @default '16mb'
   */
  maxEntryBytes?: ByteSize
  /**
   * Called when data read from Redis is refused (foreign, corrupt, truncated, oversized): that
   * read is a miss and the key is deleted. Errors of Redis itself reach the cache's `onError`.
   * @default undefined
   */
  onError?: (error: CacheError) => void
}

export const REDIS_STORE_DEFAULTS = { maxEntryBytes: '16mb' } as const satisfies Partial<RedisStoreOptions>

const KNOWN_OPTIONS = new Set(['client', 'prefix', 'maxEntryBytes', 'onError'])

// Hot keys whose last decoded value is remembered (values up to 32 KB: at most 4 MB held).
const MEMO_KEYS = 128

/** A stored value as read, before its times are rebased onto a reader's clock. */
interface Fetched {
  readonly value: StoredValue
  readonly remaining: number
}

/** A Redis-backed store; also the L2 of {@link tieredStore}. */
export interface RedisStore extends Store {
  readonly name: 'redis'
  acquireFillLock(key: string, ttlMs: number): Promise<FillLock | undefined>
  waitForFill(key: string, timeoutMs: number): Promise<void>
  /** Closes the subscriber connection the store opened; the client you passed stays open. */
  close(): Promise<void>
  /** @internal */
  readonly [REDIS_INTERNALS]: RedisInternals
}

/** Creates a store that keeps entries in Redis (or Valkey, or a Redis Cluster), shared by every process. */
export function redisStore(options: RedisStoreOptions): RedisStore {
  if (typeof options !== 'object' || options === null) throw badOption('redisStore options', 'an object', options)
  rejectUnknownOptions(options, KNOWN_OPTIONS, 'redisStore')
  if (!isRedisClient(options.client)) {
    throw badOption('redisStore client', 'an ioredis client (new Redis(…) or new Redis.Cluster(…))', options.client)
  }
  const keys = keyLayout(options.prefix)
  const maxEntryBytes = parseByteSize(
    options.maxEntryBytes === undefined ? REDIS_STORE_DEFAULTS.maxEntryBytes : options.maxEntryBytes,
    'redisStore maxEntryBytes',
  )
  if (maxEntryBytes < 64) throw badOption('redisStore maxEntryBytes', 'at least 64 bytes', options.maxEntryBytes)
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    throw badOption('redisStore onError', 'a function', options.onError)
  }
  const onError = options.onError
  const client = commands(options.client)
  const subscriber = new Subscriber(options.client, keys)

  function refused(key: string, error: unknown): undefined {
    // The key is unusable to every reader: drop it so it is not decoded again and again.
    client.call('del', [keys.entry(key)]).catch(() => undefined)
    if (onError !== undefined) {
      try {
        onError(error instanceof CacheError ? error : new CacheError('E_BAD_STORE_DATA', String(error)))
      } catch {
        // A throwing listener must not turn a miss into a failed request.
      }
    }
    return undefined
  }

  // The last value decoded per hot key (see DecodeMemo), and the reads in flight: a read of a key
  // that is already being read shares that round trip, unless this store has written, deleted,
  // invalidated or cleared anything since it was sent (`epoch`), so that a read never answers
  // with what was there before this process's own change.
  const memo = new DecodeMemo(MEMO_KEYS)
  const reading = new Map<string, { readonly epoch: number; readonly value: Promise<Fetched | undefined> }>()
  let epoch = 0

  function fetchValue(key: string): Promise<Fetched | undefined> {
    const current = reading.get(key)
    if (current !== undefined && current.epoch === epoch) return current.value
    const slot = { epoch, value: fetchOnce(key) }
    reading.set(key, slot)
    const settled = () => {
      if (reading.get(key) === slot) reading.delete(key)
    }
    slot.value.then(settled, settled)
    return slot.value
  }

  async function fetchOnce(key: string): Promise<Fetched | undefined> {
    assertReady(client)
    const reply = await runScript(client, READ, [keys.entry(key)], [keys.tagRoot, maxEntryBytes])
    if (reply === null) return undefined
    if (!Array.isArray(reply) || reply[0] === READ_CORRUPT) {
      return refused(key, new CacheError('E_BAD_STORE_DATA', 'cachefront: redis entry rejected: foreign or corrupt'))
    }
    const [outcome, bytes, remaining] = reply as unknown[]
    if (outcome !== READ_HIT || !(bytes instanceof Uint8Array) || typeof remaining !== 'number') {
      return refused(key, new CacheError('E_BAD_STORE_DATA', 'cachefront: unexpected reply to the read script'))
    }
    try {
      return { value: decodeValue(bytes, remaining, memo, key), remaining }
    } catch (error) {
      return refused(key, error)
    }
  }

  async function read(key: string, now: number): Promise<DecodedEntry | undefined> {
    const fetched = await fetchValue(key)
    return fetched === undefined ? undefined : rebase(fetched.value, fetched.remaining, now)
  }

  async function write(key: string, entry: CacheEntry, ttlMs: number, lock: FillLock | undefined): Promise<boolean> {
    if (!(ttlMs > 0)) return false
    const bytes = encodeEntry(entry, Math.ceil(ttlMs))
    if (bytes.byteLength > maxEntryBytes) return false
    assertReady(client)
    epoch++
    const written = await runScript(
      client,
      WRITE,
      [keys.entry(key), keys.lock(lock?.key ?? key)],
      [bytes, Math.ceil(ttlMs), lock?.token ?? '', keys.fillChannel, key],
    )
    return written === 1
  }

  return {
    name: 'redis',
    [REDIS_INTERNALS]: { read, write, subscriber },
    get(key, now) {
      // One promise per read: the hit path of a Redis-only cache.
      return fetchValue(key).then((fetched) =>
        fetched === undefined ? undefined : rebase(fetched.value, fetched.remaining, now).entry,
      )
    },
    async set(key, entry, ttlMs, lock) {
      await write(key, entry, ttlMs, lock)
    },
    async delete(key) {
      assertReady(client)
      epoch++
      await runScript(
        client,
        DELETE,
        [keys.entry(key), keys.lock(key)],
        [keys.fillChannel, keys.busChannel, key, busMessage({ kind: 'delete', key })],
      )
    },
    async clear() {
      assertReady(client)
      epoch++
      memo.clear()
      await clearAll()
      await client.call('publish', [keys.busChannel, busMessage({ kind: 'clear' })])
    },
    async tagVersions(tags) {
      if (tags.length === 0) return []
      assertReady(client)
      const reply = await runScript(client, TAG_VERSIONS, tags.map(keys.tag), [
        keys.busChannel,
        busMessage({ kind: 'tags', tags }),
      ])
      if (!Array.isArray(reply) || reply.length !== tags.length) throw new Error('unexpected TAG_VERSIONS reply')
      return reply.map((version: unknown) => {
        if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) {
          throw new CacheError('E_BAD_STORE_DATA', 'cachefront: a redis tag version is not a number')
        }
        return version
      })
    },
    async invalidateTags(tags) {
      if (tags.length === 0) return
      assertReady(client)
      epoch++
      await runScript(client, INVALIDATE, tags.map(keys.tag), [keys.busChannel, busMessage({ kind: 'tags', tags })])
    },
    // A read of the key sent before the lock was taken, or before another process's fill ended,
    // may predate that fill's write: the double-check read after either must not share it (it
    // would report a miss, and a second process would run the origin).
    acquireFillLock: async (key, ttlMs) => {
      const lock = await acquireFillLock(client, keys, key, ttlMs)
      reading.delete(key)
      return lock
    },
    waitForFill: async (key, timeoutMs) => {
      await waitForFill(client, subscriber, keys, key, timeoutMs)
      reading.delete(key)
    },
    async close() {
      subscriber.close()
    },
  }

  // SCAN is O(keys) but clear is rare; every key of the store shares one slot, so on Cluster only
  // the master that owns it has any, and each master is scanned.
  async function clearAll(): Promise<void> {
    const nodes = client.isCluster ? (options.client as Cluster).nodes('master').map(commands) : [client]
    for (const node of nodes) {
      let cursor = '0'
      do {
        const reply = (await node.call('scan', [cursor, 'MATCH', `${escapeGlob(keys.root)}*`, 'COUNT', 1000])) as [
          string,
          string[],
        ]
        cursor = reply[0]
        if (reply[1].length > 0) await client.call('unlink', reply[1])
      } while (cursor !== '0')
    }
  }
}

/** `{` and `}` are not glob characters, but the prefix check already keeps `* ? [ ] \` out too. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&')
}
