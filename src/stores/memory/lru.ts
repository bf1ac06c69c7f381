// The store's index: key → slot, slots in least-recently-used order. Per-slot data lives in typed
// arrays (links, expiry, where the record is), so an entry costs the JS heap its key string, its
// Map entry and a few array cells, rather than a graph of objects that churn fragments.
import type { CacheEntry } from '../store.js'

const NONE = -1

export class LruIndex {
  private readonly map = new Map<string, number>()
  private keys: (string | undefined)[] = []
  /** The decoded entry of a slot served at least once (memoized: hits do not decode), else undefined. */
  entries: (CacheEntry | undefined)[] = []
  private prev = new Int32Array(0)
  private next = new Int32Array(0)
  expiresAt = new Float64Array(0)
  /** Where the slot's record is (slab id, offset), while it is not decoded; slab -1 once it is. */
  slabOf = new Int32Array(0)
  offsetOf = new Uint32Array(0)
  /** Bytes accounted to the slot beyond its record: key string, and its decoded entry if any. */
  extra = new Float64Array(0)
  private oldest = NONE
  private newest = NONE
  private freeSlots: number[] = []

  get size(): number {
    return this.map.size
  }

  find(key: string): number | undefined {
    return this.map.get(key)
  }

  key(slot: number): string {
    return this.keys[slot]!
  }

  /** Slots the typed arrays have room for (what the index's memory is accounted by). */
  get capacity(): number {
    return this.prev.length
  }

  /** The slot used next after `slot`, or -1. */
  after(slot: number): number {
    return this.next[slot]!
  }

  /** The least recently used slot, or -1 when empty. */
  get lru(): number {
    return this.oldest
  }

  /** A new slot for `key` (absent), as the most recently used. */
  add(key: string): number {
    let slot = this.freeSlots.pop()
    if (slot === undefined) {
      slot = this.keys.length
      if (slot === this.prev.length) this.grow()
      this.keys.push(key)
      this.entries.push(undefined)
    } else {
      this.keys[slot] = key
    }
    this.map.set(key, slot)
    this.linkNewest(slot)
    return slot
  }

  touch(slot: number): void {
    if (slot === this.newest) return
    this.unlink(slot)
    this.linkNewest(slot)
  }

  remove(slot: number): void {
    this.unlink(slot)
    this.map.delete(this.keys[slot]!)
    this.keys[slot] = undefined
    this.entries[slot] = undefined
    this.extra[slot] = 0
    this.freeSlots.push(slot)
  }

  clear(): void {
    this.map.clear()
    this.keys = []
    this.entries = []
    this.freeSlots = []
    this.oldest = this.newest = NONE
    this.prev = new Int32Array(0)
    this.next = new Int32Array(0)
    this.expiresAt = new Float64Array(0)
    this.slabOf = new Int32Array(0)
    this.offsetOf = new Uint32Array(0)
    this.extra = new Float64Array(0)
  }

  private linkNewest(slot: number): void {
    this.prev[slot] = this.newest
    this.next[slot] = NONE
    if (this.newest === NONE) this.oldest = slot
    else this.next[this.newest] = slot
    this.newest = slot
  }

  private unlink(slot: number): void {
    const before = this.prev[slot]!
    const after = this.next[slot]!
    if (before === NONE) this.oldest = after
    else this.next[before] = after
    if (after === NONE) this.newest = before
    else this.prev[after] = before
  }

  private grow(): void {
    const capacity = Math.max(64, this.prev.length * 2)
    this.prev = grown(this.prev, new Int32Array(capacity))
    this.next = grown(this.next, new Int32Array(capacity))
    this.expiresAt = grown(this.expiresAt, new Float64Array(capacity))
    this.slabOf = grown(this.slabOf, new Int32Array(capacity))
    this.offsetOf = grown(this.offsetOf, new Uint32Array(capacity))
    this.extra = grown(this.extra, new Float64Array(capacity))
  }
}

function grown<T extends Int32Array | Uint32Array | Float64Array>(from: T, to: T): T {
  to.set(from)
  return to
}
