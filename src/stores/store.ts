// The store contract: bytes, TTLs and tag versions. Stores know nothing of freshness policy.

/** A value or a promise of it: memory stores answer synchronously so hits stay synchronous. */
export type MaybePromise<T> = T | Promise<T>

/** JSON-safe metadata carried beside the body (for responses: status, headers, etag). */
export type EntryMeta = { readonly [field: string]: EntryMetaValue }
export type EntryMetaValue =
  string | number | boolean | null | readonly EntryMetaValue[] | { readonly [field: string]: EntryMetaValue }

/**
 * One cached entry. Times are epoch milliseconds on the reading process's clock: a store that
 * keeps entries elsewhere (Redis) rebases them from its own TTL when it reads them, so no two
 * hosts' wall clocks are ever compared.
 */
export interface CacheEntry {
  /** When the fill that produced it finished. */
  readonly storedAt: number
  /** Fresh until then (ttl). */
  readonly freshUntil: number
  /** Servable while a background refresh runs until then (ttl + staleWhileRevalidate). */
  readonly staleUntil: number
  /** Servable when the origin fails until then (ttl + staleIfError). */
  readonly errorUntil: number
  /** Tags it was filled under, with the version each tag had when the fill started. */
  readonly tags: readonly string[]
  readonly tagVersions: readonly number[]
  readonly meta: EntryMeta
  readonly body: Uint8Array
}

/** A lock that makes one process in a fleet the filler of a key (see `Store.acquireFillLock`). */
export interface FillLock {
  /** The key the lock was taken for: a fill may store under another key (a Vary variant). */
  readonly key: string
  /** A unique token; a store may use it to refuse a write whose lock has expired (fencing). */
  readonly token: string
  /** Releases the lock if this holder still owns it. */
  release(): MaybePromise<void>
}

/**
 * Where entries live. Every method may answer synchronously or with a promise. A store may
 * throw or reject; the cache treats that as a miss and never fails a request because of it.
 */
export interface Store {
  /** A short name for stats, events and error messages (`'memory'`, `'redis'`, …). */
  readonly name: string
  /**
   * The entry under `key`, or `undefined` if it is absent, expired by TTL, or any of its tags
   * has been invalidated since it was filled (the store compares `tagVersions` with the current
   * ones, in the same round trip). `now` is the cache's clock, for rebasing remote TTLs.
   */
  get(key: string, now: number): MaybePromise<CacheEntry | undefined>
  /**
   * Stores `entry` under `key` for `ttlMs` milliseconds. When `lock` is given, a store that
   * supports fencing must skip the write if that lock is no longer held.
   */
  set(key: string, entry: CacheEntry, ttlMs: number, lock?: FillLock): MaybePromise<void>
  delete(key: string): MaybePromise<void>
  /**
   * Removes every entry of this store. Tag versions may go with them (Redis) or stay (memory:
   * versions only ever grow); either way no entry filled before the clear is served after it.
   */
  clear(): MaybePromise<void>
  /** The current version of each tag (0 for a tag never invalidated), in the same order. */
  tagVersions(tags: readonly string[]): MaybePromise<readonly number[]>
  /** Bumps each tag's version: every entry filled under an older version becomes absent. */
  invalidateTags(tags: readonly string[]): MaybePromise<void>
  /** Entries and bytes held, where the store can tell cheaply. */
  size?(): { readonly entries: number; readonly bytes: number }
  /**
   * Cluster-wide single-flight: tries to become the one filler of `key` for `ttlMs`. Resolves
   * to a lock, or `undefined` when another process holds it. Stores shared between processes
   * implement this; the memory store does not need to (in-process single-flight covers it).
   */
  acquireFillLock?(key: string, ttlMs: number): MaybePromise<FillLock | undefined>
  /**
   * Resolves when the holder of `key`'s fill lock has stored an entry or released the lock, or
   * after `timeoutMs` at the latest, whichever comes first.
   */
  waitForFill?(key: string, timeoutMs: number): Promise<void>
  /** Releases connections and timers. */
  close?(): MaybePromise<void>
}

/** The byte size an entry is accounted at (body, metadata estimate, fixed overhead). */
export function entrySize(key: string, entry: CacheEntry): number {
  let tagBytes = 0
  for (const tag of entry.tags) tagBytes += tag.length + 8
  return ENTRY_OVERHEAD + key.length * 2 + entry.body.byteLength + metaSize(entry.meta) + tagBytes
}

// What an entry held as JS objects costs beyond its body, key and metadata strings: the entry, meta
// and tag arrays, the Uint8Array with its ArrayBuffer and backing store, and the headers prepared
// for hits (stored-response.ts). The memory store counts it for the entries it has decoded to serve
// hits; the records it keeps in slabs are counted by their bytes. Measured with bench/memory.ts: a
// response with a 64-byte body took 1.79 KB of heap, of which the rest of this estimate covered 0.9 KB.
const ENTRY_OVERHEAD = 1100

function metaSize(meta: EntryMetaValue): number {
  if (typeof meta === 'string') return meta.length * 2 + 16
  if (meta === null || typeof meta !== 'object') return 8
  let bytes = 32
  if (Array.isArray(meta)) {
    for (const item of meta as readonly EntryMetaValue[]) bytes += metaSize(item) + 8
    return bytes
  }
  for (const [field, value] of Object.entries(meta)) bytes += field.length * 2 + metaSize(value) + 16
  return bytes
}

const STORE_METHODS = ['get', 'set', 'delete', 'clear', 'tagVersions', 'invalidateTags'] as const

/** True when `value` has every method of the Store contract. */
export function isStore(value: unknown): value is Store {
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as Record<string, unknown>
  return STORE_METHODS.every((method) => typeof candidate[method] === 'function')
}
