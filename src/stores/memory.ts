// The in-process store: an LRU bounded by bytes, answering synchronously. Entries are kept as
// records in off-heap slabs (memory/slabs.ts), decoded once when first served (memory/record.ts).
import { LRUCache } from 'lru-cache'
import { parseByteSize, type ByteSize } from '../engine/duration.js'
import { badOption, rejectUnknownOptions } from '../errors.js'
import { LruIndex } from './memory/lru.js'
import { readRecord, recordBound, recordHeader } from './memory/record.js'
import { SlabArena } from './memory/slabs.js'
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

// What the index costs per slot it has room for: links, expiry, record place and accounted
// bytes in typed arrays (36 B), key and decoded-entry cells of two JS arrays (16 B).
const INDEX_SLOT_BYTES = 52
// Per entry held: its Map entry (V8's ordered hash table, 3 words plus buckets, kept up to half
// empty) and the header of its key string.
const ENTRY_INDEX_BYTES = 72

// Records share slabs of up to 1 MB, at most 1/32 of maxBytes each so that a slab's unused tail
// and holes stay small beside the bound; below 4 KB every record gets a buffer of its own.
const MAX_SLAB = 1 << 20
const MIN_SLAB = 4 << 10

const KNOWN_OPTIONS = new Set(['maxBytes'])

export const MEMORY_STORE_DEFAULTS = { maxBytes: '64mb' } as const satisfies Required<MemoryStoreOptions>

/** The memory store, with what the cache's stats need. */
export interface MemoryStore extends Store {
  readonly name: 'memory'
  size(): { readonly entries: number; readonly bytes: number }
}

/** Creates an in-process store: the default store, and the L1 of a tiered store. */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  if (typeof options !== 'object' || options === null) throw badOption('memoryStore options', 'an object', options)
  rejectUnknownOptions(options, KNOWN_OPTIONS, 'memoryStore')
  const maxBytes = parseByteSize(
    options.maxBytes === undefined ? MEMORY_STORE_DEFAULTS.maxBytes : options.maxBytes,
    'memoryStore maxBytes',
  )
  if (maxBytes < 1) throw badOption('memoryStore maxBytes', 'at least 1 byte', options.maxBytes)

  const index = new LruIndex()
  const arena = new SlabArena(slabSizeFor(maxBytes), (slot, slab, offset) => {
    index.slabOf[slot] = slab
    index.offsetOf[slot] = offset
  })
  // Bytes accounted to entries beyond slabs and index: keys, decoded entries (see `LruIndex.extra`).
  let extraBytes = 0
  // The entry last stored, kept as it was given until another is stored: a read right after the
  // write (a tiered store checking what its L1 holds) gets the very same meta, not a decoded copy.
  let lastSlot = -1
  let lastEntry: CacheEntry | undefined

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

  function bytesHeld(): number {
    return arena.heldBytes + index.capacity * INDEX_SLOT_BYTES + index.size * ENTRY_INDEX_BYTES + extraBytes
  }

  /** Forgets the slot's record or decoded entry, keeping the slot. */
  function release(slot: number): void {
    if (slot === lastSlot) lastEntry = undefined
    if (index.entries[slot] === undefined) arena.release(index.slabOf[slot]!, index.offsetOf[slot]!)
    else {
      extraBytes -= index.extra[slot]! - keyBytes(index.key(slot))
      index.extra[slot] = keyBytes(index.key(slot))
      index.entries[slot] = undefined
    }
  }

  function remove(slot: number): void {
    release(slot)
    extraBytes -= index.extra[slot]!
    index.remove(slot)
    if (index.size === 0) {
      // Nothing left: give every slab back.
      arena.clear()
      extraBytes = 0
    }
  }

  /** Evicts the least recently used entry, `keep` only when it is the last. */
  function evictOldest(keep: number): void {
    const oldest = index.lru
    remove(oldest === keep && index.size > 1 ? index.after(oldest) : oldest)
  }

  /** Evicts least recently used entries, `keep` last of all, until the bound holds. */
  function evict(keep: number): void {
    do {
      while (bytesHeld() > maxBytes && index.size > 0) evictOldest(keep)
      // Compacting may take a fresh slab before it gives the sparse one back: check the bound again.
    } while (arena.compactIfWasteful())
  }

  /** The slot's entry, decoded once: later hits get the same object without decoding. */
  function decoded(slot: number): CacheEntry {
    let entry = index.entries[slot]
    if (entry !== undefined) return entry
    const slab = arena.slab(index.slabOf[slot]!)
    const given = slot === lastSlot ? lastEntry : undefined
    entry = given !== undefined ? ownBytes(given) : readRecord(slab.bytes, slab.view, index.offsetOf[slot]!)
    arena.release(slab.id, index.offsetOf[slot]!)
    index.slabOf[slot] = -1
    index.entries[slot] = entry
    const key = index.key(slot)
    const size = entrySize(key, entry)
    extraBytes += size - keyBytes(key)
    index.extra[slot] = size
    // Decoded, it takes more room: others make way, least recently used first (it alone may not fit).
    index.touch(slot)
    evict(slot)
    return entry
  }

  return {
    name: 'memory',
    get(key, now) {
      const slot = index.find(key)
      if (slot === undefined) return undefined
      if (now >= index.expiresAt[slot]!) {
        remove(slot)
        return undefined
      }
      const entry = decoded(slot)
      // Decoding may have evicted it (too large for the bound once decoded): served this once.
      if (index.entries[slot] !== entry) return tagsCurrent(entry) ? entry : undefined
      if (!tagsCurrent(entry)) {
        remove(slot)
        return undefined
      }
      index.touch(slot)
      return entry
    },
    set(key, entry, ttlMs) {
      if (!(ttlMs > 0)) return
      const header = recordHeader(entry)
      let slot = index.find(key)
      const bound = recordBound(header, entry)
      if (bound + ENTRY_INDEX_BYTES + INDEX_SLOT_BYTES + keyBytes(key) > maxBytes) {
        // Too large to keep; what was stored under the key is older than this answer.
        if (slot !== undefined) remove(slot)
        return
      }
      if (slot === undefined) {
        const flat = flatKey(key)
        slot = index.add(flat)
        index.extra[slot] = keyBytes(flat)
        extraBytes += index.extra[slot]!
      } else {
        release(slot)
        index.touch(slot)
      }
      // Room first: the oldest slab, emptied, becomes the next one. Allocating a slab and evicting
      // after would empty the oldest slabs until one could be freed, so each slab filled would cost
      // malloc a slab freed and another allocated, which fragments its heap (measured: RSS 1.1–1.5 ×
      // live memory after 1M keys, and the entry count swinging by three slabs' worth).
      while (index.size > 1 && bytesHeld() + arena.newSlabFor(bound) > maxBytes) evictOldest(slot)
      arena.append(slot, entry, header, bound)
      index.expiresAt[slot] = entry.storedAt + ttlMs
      lastSlot = slot
      lastEntry = entry
      evict(slot)
    },
    delete(key) {
      const slot = index.find(key)
      if (slot !== undefined) remove(slot)
    },
    clear() {
      index.clear()
      arena.clear()
      extraBytes = 0
      lastEntry = undefined
    },
    tagVersions(tags) {
      return tags.map((tag) => versions.get(tag) ?? floor)
    },
    invalidateTags(tags) {
      for (const tag of tags) versions.set(tag, (versions.get(tag) ?? floor) + 1)
    },
    size() {
      return { entries: index.size, bytes: index.size === 0 ? 0 : bytesHeld() }
    },
  }
}

function slabSizeFor(maxBytes: number): number {
  let size = MAX_SLAB
  while (size > maxBytes / 32) size /= 2
  return size < MIN_SLAB ? 0 : size
}

/**
 * A flat copy of the key. A key built by concatenation, or sliced from a request's URL, would keep
 * its parts, or the whole URL, alive as long as the entry (a few hundred bytes, unaccounted).
 */
function flatKey(key: string): string {
  return JSON.parse(JSON.stringify(key)) as string
}

/** What a flat key string takes on V8's heap: a 16-byte header, then 1 byte per unit (latin-1) or 2. */
function keyBytes(key: string): number {
  const units = ABOVE_LATIN1.test(key) ? key.length * 2 : key.length
  return (16 + units + 7) & ~7
}

const ABOVE_LATIN1 = /[\u0100-\uffff]/

/**
 * The entry with a body that owns its bytes. A body that views a larger buffer (a slice of Node's
 * 8 KB Buffer pool, or of a read chunk) would keep all of that buffer alive, unaccounted.
 */
function ownBytes(entry: CacheEntry): CacheEntry {
  const body = entry.body
  if (body.byteOffset === 0 && body.byteLength === body.buffer.byteLength) return entry
  return { ...entry, body: new Uint8Array(body) }
}
