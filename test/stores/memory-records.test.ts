// The memory store keeps entries as records in slabs and decodes each once when first served:
// what comes back must equal what went in, whatever moved underneath (compaction, reuse, eviction).
import { describe, expect, it } from 'vitest'
import { memoryStore, type MemoryStore } from '../../src/stores/memory.js'
import type { CacheEntry, EntryMeta } from '../../src/stores/store.js'

function entry(i: number, bodyBytes = 200, meta: EntryMeta = { status: 200, headers: ['etag', `"${i}"`] }): CacheEntry {
  const body = new Uint8Array(bodyBytes)
  for (let b = 0; b < bodyBytes; b++) body[b] = (i + b) & 0xff
  return {
    storedAt: 1000 + i,
    freshUntil: 2000 + i,
    staleUntil: 3000 + i,
    errorUntil: 4000 + i,
    tags: [],
    tagVersions: [],
    meta,
    body,
  }
}

/** The memory store answers synchronously: hits never wait. */
function read(store: MemoryStore, key: string): CacheEntry | undefined {
  const found = store.get(key, 0)
  if (found instanceof Promise) throw new Error('the memory store answered with a promise')
  return found
}

function expectSame(found: CacheEntry | undefined, given: CacheEntry): void {
  expect(found).toBeDefined()
  expect({ ...found!, body: [...found!.body] }).toEqual({ ...given, body: [...given.body] })
}

describe('memory store records', () => {
  it('round-trips meta, tags, times and bodies of every size, and keys of any characters', () => {
    const store = memoryStore({ maxBytes: '64mb' })
    const keys = ['plain', 'ünïcödé', '日本語/パス', 'lone \ud800 surrogate', 'k'.repeat(5000)]
    const given = keys.map((_, i) => ({
      ...entry(i, [0, 10, 300_000, 5, 2_000_000][i]!, { nested: { list: [1, 'two', null, true] }, text: 'é日' }),
      tags: ['t'],
      tagVersions: [0],
    }))
    keys.forEach((key, i) => store.set(key, given[i]!, 60_000))
    keys.forEach((key, i) => expectSame(read(store, key), given[i]!))
    expect(read(store, 'lone \ud801 surrogate')).toBeUndefined()
  })

  it('serves the same decoded object on every hit, with a body that owns its bytes', () => {
    const store = memoryStore()
    const given = entry(1)
    store.set('a', given, 60_000)
    store.set('b', entry(2), 60_000)
    const first = read(store, 'a')
    expect(read(store, 'a')).toBe(first)
    expect(first!.body.byteLength).toBe(first!.body.buffer.byteLength)
    expectSame(first, given)
  })

  it('answers a read right after a write with the meta it was given', () => {
    const store = memoryStore()
    const given = entry(1)
    store.set('a', given, 60_000)
    expect(read(store, 'a')!.meta).toBe(given.meta)
  })

  it('keeps every entry intact while holes are compacted and slabs reused', () => {
    const store = memoryStore({ maxBytes: '8mb' })
    const live = new Map<string, CacheEntry>()
    for (let i = 0; i < 40_000; i++) {
      const key = `k${i}`
      const given = entry(i, 100 + (i % 300))
      store.set(key, given, 60_000)
      live.set(key, given)
      // Holes everywhere: deletes, overwrites and decoded (served) entries.
      if (i % 3 === 0) {
        store.delete(key)
        live.delete(key)
      } else if (i % 5 === 0) {
        const again = entry(i + 1, 50)
        store.set(key, again, 60_000)
        live.set(key, again)
      } else if (i % 7 === 0) read(store, `k${i - 7}`)
      if (i % 100 === 0) expect(store.size().bytes).toBeLessThanOrEqual(8 * 2 ** 20)
    }
    // Holes are compacted away rather than taking the room of entries (a record here is ~500 B).
    expect(store.size().entries).toBeGreaterThan(10_000)
    let kept = 0
    for (const [key, given] of live) {
      const found = read(store, key)
      if (found === undefined) continue
      kept++
      expectSame(found, given)
    }
    // Decoding for these reads takes more room per entry: some were evicted meanwhile.
    expect(kept).toBe(store.size().entries)
    expect(kept).toBeGreaterThan(1_000)
  })

  it('once full, evicts about a slab at a time: the slab it empties is the next one it fills', () => {
    // 8 MB: slabs of 256 KB (1/32 of the bound). Taking a new slab before evicting emptied three
    // slabs for each one freed: the entry count swung by three slabs' worth (843 of ~8,900 here).
    const store = memoryStore({ maxBytes: '8mb' })
    let fewest = Infinity
    let most = 0
    for (let i = 0; i < 60_000; i++) {
      store.set(`GET example.test/items/${i}`, entry(i, 600), 60_000)
      if (i < 20_000) continue
      fewest = Math.min(fewest, store.size().entries)
      most = Math.max(most, store.size().entries)
    }
    expect(store.size().bytes).toBeLessThanOrEqual(8 * 2 ** 20)
    expect(most - fewest).toBeLessThan((2 * most) / 32)
    expectSame(read(store, 'GET example.test/items/59999'), entry(59_999, 600))
  })

  it('gives all its memory back once empty', () => {
    const store = memoryStore({ maxBytes: '1mb' })
    for (let i = 0; i < 100; i++) store.set(`k${i}`, entry(i), 60_000)
    for (let i = 0; i < 100; i++) store.delete(`k${i}`)
    expect(store.size()).toEqual({ entries: 0, bytes: 0 })
  })

  it('does not keep the previous entry under a key when a larger one is refused', () => {
    const store = memoryStore({ maxBytes: '64kb' })
    store.set('k', entry(1), 60_000)
    store.set('k', entry(2, 100_000), 60_000)
    expect(read(store, 'k')).toBeUndefined()
  })
})
