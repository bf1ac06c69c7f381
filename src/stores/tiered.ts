// The tiered store: an in-process L1 (memory) in front of a Redis L2. Fresh L1 hits never touch
// the network; the Redis bus drops L1 copies in every process when anything is invalidated.
import { badOption, rejectUnknownOptions } from '../errors.js'
import { isStore, type CacheEntry, type FillLock, type Store } from './store.js'
import { REDIS_INTERNALS, type RedisInternals } from './redis/internals.js'
import type { RedisStore } from './redis.js'

/** Options of {@link tieredStore}. */
export interface TieredStoreOptions {
  /** The in-process level, usually `memoryStore({ maxBytes })`; it must answer synchronously to keep hits synchronous. */
  l1: Store
  /** The shared level: a `redisStore()`. Its subscriber connection carries the invalidation bus. */
  l2: RedisStore
}

export interface TieredStore extends Store {
  readonly name: 'tiered'
  /** True while the invalidation bus is subscribed. L1 is filled only then (a health check may read it). */
  readonly busConnected: boolean
  acquireFillLock(key: string, ttlMs: number): Promise<FillLock | undefined>
  waitForFill(key: string, timeoutMs: number): Promise<void>
  close(): Promise<void>
}

const KNOWN_OPTIONS = new Set(['l1', 'l2'])

/** Creates a two-level store: memory L1 per process, Redis L2 shared, kept coherent by a pub/sub bus. */
export function tieredStore(options: TieredStoreOptions): TieredStore {
  if (typeof options !== 'object' || options === null) throw badOption('tieredStore options', 'an object', options)
  rejectUnknownOptions(options, KNOWN_OPTIONS, 'tieredStore')
  if (!isStore(options.l1)) throw badOption('tieredStore l1', 'a Store such as memoryStore()', options.l1)
  const l2Internals = (options.l2 as Partial<RedisStore> | undefined)?.[REDIS_INTERNALS]
  if (!isStore(options.l2) || l2Internals === undefined) {
    throw badOption('tieredStore l2', 'a redisStore()', options.l2)
  }
  if (options.l1 === (options.l2 as Store)) throw badOption('tieredStore l1', 'another store than l2', options.l1)
  const l1 = options.l1
  const l2 = options.l2
  const l2x: RedisInternals = l2Internals

  // Bumped by every invalidation, clear or bus outage that may have raced a read from L2: a read
  // that began under an older epoch does not copy its answer into L1.
  let epoch = 0
  // L1 compares its own tag versions, not L2's. The L1 versions seen when a fill read its L2
  // versions are kept here (keyed by the very array the engine stores in the entry), so an
  // invalidation arriving during the fill makes the L1 copy stale, as it does the L2 one.
  const l1VersionsAtFill = new WeakMap<readonly number[], readonly number[]>()

  const stopListening = l2x.subscriber.listen({
    message(message) {
      epoch++
      if (message.kind === 'tags') void l1.invalidateTags(message.tags)
      else if (message.kind === 'delete') void l1.delete(message.key)
      else void l1.clear()
    },
    // Messages may have been missed while the link was down: nothing in L1 can be trusted.
    subscribed() {
      epoch++
      void l1.clear()
    },
    // Until then an invalidation from another process cannot reach L1: its copies are dropped now
    // rather than served through the gap (reads go to L2, which checks tag versions), and none is
    // made until the bus is back (see `set` and `fromL2`).
    dropped() {
      epoch++
      void l1.clear()
    },
  })

  function copyToL1(key: string, entry: CacheEntry, l1Versions: readonly number[], expiresAt: number): void {
    // L1 never outlives the L2 entry: it expires at storedAt + ttl = the L2 key's expiry.
    const ttl = expiresAt - entry.storedAt
    if (ttl > 0) void l1.set(key, { ...entry, tagVersions: l1Versions }, ttl)
  }

  function fromL2(key: string, now: number, local: CacheEntry | undefined): Promise<CacheEntry | undefined> {
    const startedIn = epoch
    return l2x.read(key, now).then((found) => {
      if (found === undefined) {
        // L2 is the truth: an L1 copy of an entry it no longer has is not served.
        if (local !== undefined) void l1.delete(key)
        return undefined
      }
      if (l2x.subscriber.live && epoch === startedIn && !holds(key, now, found.entry)) {
        const l1Versions = l1.tagVersions(found.entry.tags)
        if (!(l1Versions instanceof Promise)) copyToL1(key, found.entry, l1Versions, found.expiresAt)
      }
      return found.entry
    })
  }

  // True when L1 already holds a fresh copy of this very stored value (the same meta object: the
  // Redis store reuses it while the stored bytes are unchanged), as after another reader of the
  // same round trip copied it: copying again would only replace it with an equal entry. A stale
  // copy is replaced, since the same bytes written again are a newer fill.
  function holds(key: string, now: number, entry: CacheEntry): boolean {
    const local = l1.get(key, now)
    return !(local instanceof Promise) && fresh(local, now) !== undefined && local!.meta === entry.meta
  }

  return {
    name: 'tiered',
    get busConnected() {
      return l2x.subscriber.live
    },
    get(key, now) {
      const local = l1.get(key, now)
      if (local instanceof Promise) return local.then((entry) => fresh(entry, now) ?? fromL2(key, now, entry))
      return fresh(local, now) ?? fromL2(key, now, local)
    },
    set(key, entry, ttlMs, lock) {
      const l1Versions = entry.tags.length === 0 ? entry.tagVersions : l1VersionsAtFill.get(entry.tagVersions)
      const startedIn = epoch
      // L1 is filled only once L2 took the write: a copy made before would be served in this
      // process while a fenced-out write (our lock expired, a newer fill owns the key) or a delete
      // from another process is still on the wire.
      return l2x.write(key, entry, ttlMs, lock).then(
        (written) => {
          // Only while the bus is live, and nothing was invalidated meanwhile: otherwise another
          // process's invalidation could have missed this copy.
          if (written && l1Versions !== undefined && l2x.subscriber.live && epoch === startedIn && ttlMs > 0) {
            void l1.set(key, { ...entry, tagVersions: l1Versions }, ttlMs)
          } else void l1.delete(key)
        },
        (error: unknown) => {
          void l1.delete(key)
          throw error
        },
      )
    },
    delete(key) {
      epoch++
      void l1.delete(key)
      return l2.delete(key)
    },
    clear() {
      epoch++
      void l1.clear()
      return l2.clear()
    },
    tagVersions(tags) {
      const l1Versions = l1.tagVersions(tags)
      const remote = l2.tagVersions(tags)
      return Promise.all([l1Versions, remote]).then(([local, versions]) => {
        l1VersionsAtFill.set(versions, local)
        return versions
      })
    },
    invalidateTags(tags) {
      epoch++
      void l1.invalidateTags(tags)
      return l2.invalidateTags(tags)
    },
    size() {
      return l1.size?.() ?? { entries: 0, bytes: 0 }
    },
    acquireFillLock: (key, ttlMs) => l2.acquireFillLock(key, ttlMs),
    waitForFill: (key, timeoutMs) => l2.waitForFill(key, timeoutMs),
    async close() {
      stopListening()
      await l1.close?.()
      await l2.close()
    },
  }
}

function fresh(entry: CacheEntry | undefined, now: number): CacheEntry | undefined {
  return entry !== undefined && now < entry.freshUntil ? entry : undefined
}
