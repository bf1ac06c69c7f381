// Slabs: large buffers that records are appended to. A record dies when its entry is evicted,
// deleted, overwritten or decoded for hits; a slab whose records are all dead is dropped, and a
// sparse one is compacted (its live records copied to the current slab) so holes stay bounded.
// Slabs are private: nothing outside the store ever views their bytes, so moving records is safe.
import type { CacheEntry } from '../store.js'
import { align8, DEAD, encodeHeader, RECORD_HEAD, recordLength, recordSlot, writeRecord } from './record.js'

/** What holding a slab costs beside its bytes: the slab, Uint8Array, ArrayBuffer and DataView objects, malloc headers. */
export const SLAB_OVERHEAD = 512

export class Slab {
  readonly bytes: Uint8Array
  readonly view: DataView
  id: number
  /** Where the next record goes; records lie back to back before it. */
  used = 0
  /** Set once records are no longer appended to it: from then on its holes count as dead bytes. */
  sealed = false
  liveBytes = 0
  liveCount = 0
  constructor(
    id: number,
    size: number,
    /** False for a buffer holding one record too large to share a slab. */
    readonly shared: boolean,
  ) {
    this.id = id
    this.bytes = new Uint8Array(size)
    this.view = new DataView(this.bytes.buffer)
  }
}

const MAX_SPARES = 2

/** Called when a record is written, or moved by compaction: the index keeps where each slot's record is. */
export type Place = (slot: number, slab: number, offset: number) => void

export class SlabArena {
  private readonly slabs: (Slab | undefined)[] = []
  private readonly freeIds: number[] = []
  private current: Slab | undefined
  // Emptied shared slabs kept for the next ones. Under churn a slab empties about as often as one
  // fills up: reusing it, rather than freeing 1 MB and allocating another, keeps malloc from
  // scattering slabs among short-lived allocations (measured: 116 MB of malloc heap held for 51 MB
  // of slabs after 1M entries without this). Counted in `heldBytes`.
  private readonly spares: Slab[] = []
  /** Bytes of every slab held, with their overhead: real memory, holes and unused tails included. */
  heldBytes = 0
  /** Bytes of dead records in shared slabs other than the current one: what compaction can win back. */
  private deadBytes = 0

  /** `slabSize` 0: every record gets a buffer of its own (a store too small to share slabs). */
  constructor(
    private readonly slabSize: number,
    private readonly place: Place,
  ) {}

  slab(id: number): Slab {
    return this.slabs[id]!
  }

  /**
   * The shared slab appending this record would add to `heldBytes`: none when the current slab or
   * a spare takes it. A record with a buffer of its own counts none either: its exact size is known
   * once encoded, and freeing it gives malloc back exactly what it took.
   */
  newSlabFor(bound: number): number {
    if (!this.sharesSlab(bound) || this.fitsCurrent(bound) || this.spares.length > 0) return 0
    return this.slabSize + SLAB_OVERHEAD
  }

  /** `bound`: the record's `recordBound` (record.ts). */
  append(slot: number, entry: CacheEntry, header: string, bound: number): void {
    if (!this.sharesSlab(bound)) {
      const encoded = encodeHeader(header)
      const slab = this.open(align8(RECORD_HEAD + encoded.byteLength + entry.body.byteLength), false)
      slab.sealed = true
      this.write(slab, slot, entry, encoded)
      return
    }
    this.write(this.fitsCurrent(bound) ? this.current! : this.startSlab(), slot, entry, header)
  }

  /** False for a record that gets a buffer of its own (too large to share, or a store too small). */
  private sharesSlab(bound: number): boolean {
    return this.slabSize !== 0 && bound <= this.slabSize / 4
  }

  private fitsCurrent(bound: number): boolean {
    const slab = this.current
    return slab !== undefined && slab.used + bound <= slab.bytes.byteLength
  }

  /** Marks the record at `offset` dead; drops its slab once nothing in it is live. */
  release(id: number, offset: number): void {
    const slab = this.slabs[id]!
    const length = recordLength(slab.view, offset)
    slab.view.setUint32(offset, DEAD, true)
    slab.liveBytes -= length
    slab.liveCount--
    if (!slab.sealed) return
    if (slab.shared) this.deadBytes += length
    if (slab.liveCount === 0) this.drop(slab)
  }

  /**
   * Compacts the sparsest sealed slab while dead bytes exceed a quarter of what slabs hold (and a
   * couple of slabs' worth): evicting in LRU order drains the oldest slab from its front, which
   * never needs this; holes left by hits, deletes and overwrites do. True if it moved anything.
   */
  compactIfWasteful(): boolean {
    let compacted = false
    while (this.deadBytes > Math.max(this.heldBytes / 4, 2 * this.slabSize)) {
      let sparsest: Slab | undefined
      for (const slab of this.slabs) {
        if (slab === undefined || !slab.shared || slab === this.current) continue
        if (sparsest === undefined || slab.liveBytes / slab.used < sparsest.liveBytes / sparsest.used) sparsest = slab
      }
      if (sparsest === undefined) break
      this.compact(sparsest)
      compacted = true
    }
    return compacted
  }

  clear(): void {
    this.slabs.length = 0
    this.spares.length = 0
    this.freeIds.length = 0
    this.current = undefined
    this.heldBytes = 0
    this.deadBytes = 0
  }

  private compact(from: Slab): void {
    for (let at = 0; at < from.used; at += recordLength(from.view, at)) {
      const slot = recordSlot(from.view, at)
      if (slot === DEAD) continue
      const length = recordLength(from.view, at)
      const to = this.fitsCurrent(length) ? this.current! : this.startSlab()
      to.bytes.set(from.bytes.subarray(at, at + length), to.used)
      this.place(slot, to.id, to.used)
      to.used += length
      to.liveBytes += length
      to.liveCount++
    }
    this.drop(from)
  }

  private write(slab: Slab, slot: number, entry: CacheEntry, header: string | Uint8Array): void {
    const length = writeRecord(slab.bytes, slab.view, slab.used, slab.bytes.byteLength, slot, entry, header)
    if (length === 0) throw new Error('cachefront: memory store record does not fit its slab')
    this.place(slot, slab.id, slab.used)
    slab.used += length
    slab.liveBytes += length
    slab.liveCount++
  }

  /** Seals the current slab (its holes now count as dead) and starts a new one. */
  private startSlab(): Slab {
    const sealed = this.current
    if (sealed !== undefined) {
      sealed.sealed = true
      this.deadBytes += sealed.used - sealed.liveBytes
      this.current = undefined
      if (sealed.liveCount === 0) this.drop(sealed)
    }
    this.current = this.open(this.slabSize, true)
    return this.current
  }

  private open(size: number, shared: boolean): Slab {
    const id = this.freeIds.pop() ?? this.slabs.length
    let slab = shared ? this.spares.pop() : undefined
    if (slab === undefined) {
      slab = new Slab(id, size, shared)
      this.heldBytes += size + SLAB_OVERHEAD
    } else slab.id = id
    this.slabs[id] = slab
    return slab
  }

  private drop(slab: Slab): void {
    if (slab === this.current) this.current = undefined
    if (slab.sealed && slab.shared) this.deadBytes -= slab.used - slab.liveBytes
    this.slabs[slab.id] = undefined
    this.freeIds.push(slab.id)
    if (slab.shared && this.spares.length < MAX_SPARES) {
      // Its bytes need no clearing: only what a record writes is ever read back.
      slab.used = slab.liveBytes = slab.liveCount = 0
      slab.sealed = false
      this.spares.push(slab)
    } else this.heldBytes -= slab.bytes.byteLength + SLAB_OVERHEAD
  }
}
