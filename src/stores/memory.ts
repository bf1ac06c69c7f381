// The in-process store: an LRU bounded by bytes (lru-cache), answering synchronously.
import { LRUCache } from 'lru-cache'
import { parseByteSize, type ByteSize } from '../engine/duration.js'
import { badOption } from '../errors.js'
import { entrySize, type CacheEntry, type Store } from './store.js'

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Upper bound of the bytes held (bodies, metadata and per-entry overhead); least recently
   * used entries are evicted past it. An entry larger than this is not stored.
   * @default '64mb'
   */
  maxBytes?: ByteSize
}

// Tag versions remembered; past this, the least recently used are forgotten (see `floor`).
const MAX_TAG_VERSIONS = 100_000

export const MEMORY_STORE_DEFAULTS = { maxBytes: '64mb' } as const satisfies Required<MemoryStoreOptions>

interface Slot {
  readonly entry: CacheEntry
  readonly expiresAt: number
}

/** The memory store, with what the cache's stats need. */
export interface MemoryStore extends Store {
  readonly name: 'memory'
  size(): { readonly entries: number; readonly bytes: number }
}

/** Creates an in-process store: the default store, and the L1 of a tiered store. */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  if (typeof options !== 'object' || options === null) throw badOption('memoryStore options', 'an object', options)
  const maxBytes = parseByteSize(options.maxBytes ?? MEMORY_STORE_DEFAULTS.maxBytes, 'memoryStore maxBytes')
  if (maxBytes < 1) throw badOption('memoryStore maxBytes', 'at least 1 byte', options.maxBytes)

  const slots = new LRUCache<string, Slot>({ maxSize: maxBytes })
  // A tag's version only ever grows, so an entry filled before an invalidation can never match again.
  // Bounded, because every invalidated key and path leaves a tag. Forgetting a tag's version must
  // not revive the entries it invalidated, so a tag that is not remembered reads as `floor`, which
  // rises past every version forgotten: entries filled under a forgotten or never-bumped tag then
  // read as absent (a rare, safe mass miss) rather than as current.
  let floor = 0
  const versions = new LRUCache<string, number>({
    max: MAX_TAG_VERSIONS,
    dispose: (version, _tag, reason) => {
      if (reason === 'evict' && version >= floor) floor = version + 1
    },
  })

  function tagsCurrent(entry: CacheEntry): boolean {
    const { tags, tagVersions } = entry
    for (let i = 0; i < tags.length; i++) {
      if ((versions.get(tags[i]!) ?? floor) !== tagVersions[i]) return false
    }
    return true
  }

  return {
    name: 'memory',
    get(key, now) {
      const slot = slots.get(key)
      if (slot === undefined) return undefined
      if (now >= slot.expiresAt || !tagsCurrent(slot.entry)) {
        slots.delete(key)
        return undefined
      }
      return slot.entry
    },
    set(key, entry, ttlMs) {
      if (!(ttlMs > 0)) return
      const kept = ownBytes(entry)
      slots.set(key, { entry: kept, expiresAt: kept.storedAt + ttlMs }, { size: entrySize(key, kept) })
    },
    delete(key) {
      slots.delete(key)
    },
    clear() {
      slots.clear()
    },
    tagVersions(tags) {
      return tags.map((tag) => versions.get(tag) ?? floor)
    },
    invalidateTags(tags) {
      for (const tag of tags) versions.set(tag, (versions.get(tag) ?? floor) + 1)
    },
    size() {
      return { entries: slots.size, bytes: slots.calculatedSize }
    },
  }
}

/**
 * The entry with a body that owns its bytes. A body that views a larger buffer (a slice of Node's
 * 8 KB Buffer pool, or of a read chunk) would keep all of that buffer alive, unaccounted.
 */
function ownBytes(entry: CacheEntry): CacheEntry {
  const body = entry.body
  if (body.byteOffset === 0 && body.byteLength === body.buffer.byteLength) return entry
  return { ...entry, body: new Uint8Array(body) }
}
