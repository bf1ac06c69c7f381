// The Store contract as one test suite: memory, redis, tiered (and any custom store) must pass it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CacheEntry, Store } from '../../src/stores/store.js'

export interface ContractFixture {
  readonly store: Store
  /** Drops what the test wrote and closes connections. */
  cleanup(): Promise<void>
}

export interface ContractOptions {
  /** Whether the store implements acquireFillLock/waitForFill (shared stores do). */
  readonly locks: boolean
  /** Whether `size()` counts entries. */
  readonly size: boolean
}

const MINUTE = 60_000

export function makeEntry(now: number, overrides: Partial<CacheEntry> = {}): CacheEntry {
  return {
    storedAt: now,
    freshUntil: now + 10_000,
    staleUntil: now + 20_000,
    errorUntil: now + 30_000,
    tags: [],
    tagVersions: [],
    meta: { status: 200, headers: ['content-type', 'text/plain'], nested: { list: [1, 'two', null, true] } },
    body: new TextEncoder().encode('hello'),
    ...overrides,
  }
}

/** Waits for `condition` by bounded polling of what the store reports; never sleeps for an interleaving. */
export async function until(condition: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    if (await condition()) return
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, delay))
  }
}

export function storeContract(
  name: string,
  createStore: () => Promise<ContractFixture> | ContractFixture,
  options: ContractOptions,
): void {
  describe(`${name} store contract`, () => {
    let fixture: ContractFixture
    let store: Store
    beforeEach(async () => {
      fixture = await createStore()
      store = fixture.store
    })
    afterEach(async () => {
      await fixture.cleanup()
    })

    it('answers undefined for an absent key', async () => {
      expect(await store.get('absent', Date.now())).toBeUndefined()
    })

    it('round-trips body bytes, meta, tags and durations', async () => {
      const now = Date.now()
      const body = new Uint8Array(256).map((_, i) => i)
      const entry = makeEntry(now, { body, tags: ['a', 'b'], tagVersions: await store.tagVersions(['a', 'b']) })
      await store.set('k', entry, MINUTE)
      const read = (await store.get('k', now))!
      expect(read).toBeDefined()
      expect([...read.body]).toEqual([...body])
      expect(read.meta).toEqual(entry.meta)
      expect(read.tags).toEqual(['a', 'b'])
      expect(read.freshUntil - read.storedAt).toBe(10_000)
      expect(read.staleUntil - read.storedAt).toBe(20_000)
      expect(read.errorUntil - read.storedAt).toBe(30_000)
    })

    it('keeps an empty body', async () => {
      const now = Date.now()
      await store.set('empty', makeEntry(now, { body: new Uint8Array(0) }), MINUTE)
      expect((await store.get('empty', now))!.body.byteLength).toBe(0)
    })

    it("reports times on the reader's clock", async () => {
      // The writer's clock and the reader's differ by an hour: the entry's age must not.
      const writerNow = 1_700_000_000_000
      const readerNow = writerNow + 1000
      await store.set('clock', makeEntry(writerNow), MINUTE)
      const read = (await store.get('clock', readerNow))!
      expect(read.storedAt).toBeGreaterThanOrEqual(writerNow)
      expect(read.storedAt).toBeLessThanOrEqual(readerNow)
      expect(read.freshUntil - read.storedAt).toBe(10_000)
    })

    it('drops an entry when its TTL ends', async () => {
      await store.set('short', makeEntry(Date.now()), 40)
      expect(await store.get('short', Date.now())).toBeDefined()
      await until(async () => (await store.get('short', Date.now())) === undefined)
    })

    it('does not store an entry with a TTL of 0', async () => {
      await store.set('zero', makeEntry(Date.now()), 0)
      expect(await store.get('zero', Date.now())).toBeUndefined()
    })

    it('deletes one key', async () => {
      const now = Date.now()
      await store.set('x', makeEntry(now), MINUTE)
      await store.set('y', makeEntry(now), MINUTE)
      await store.delete('x')
      expect(await store.get('x', now)).toBeUndefined()
      expect(await store.get('y', now)).toBeDefined()
    })

    it('starts tag versions at 0 and bumps them on invalidation', async () => {
      expect(await store.tagVersions(['t1', 't2'])).toEqual([0, 0])
      await store.invalidateTags(['t1'])
      const [t1, t2] = await store.tagVersions(['t1', 't2'])
      expect(t1).toBeGreaterThan(0)
      expect(t2).toBe(0)
      expect(await store.tagVersions([])).toEqual([])
    })

    it('makes entries of an invalidated tag absent, and only those', async () => {
      const now = Date.now()
      const tagged = async (key: string, tags: string[]) =>
        store.set(key, makeEntry(now, { tags, tagVersions: await store.tagVersions(tags) }), MINUTE)
      await tagged('p1', ['products'])
      await tagged('p2', ['products', 'home'])
      await tagged('h', ['home'])
      await tagged('none', [])
      await store.invalidateTags(['products'])
      expect(await store.get('p1', now)).toBeUndefined()
      expect(await store.get('p2', now)).toBeUndefined()
      expect(await store.get('h', now)).toBeDefined()
      expect(await store.get('none', now)).toBeDefined()
    })

    it('never serves an entry filled under tag versions read before an invalidation', async () => {
      const now = Date.now()
      const versions = await store.tagVersions(['late'])
      await store.invalidateTags(['late'])
      await store.set('late', makeEntry(now, { tags: ['late'], tagVersions: versions }), MINUTE)
      expect(await store.get('late', now)).toBeUndefined()
    })

    it('clears every entry', async () => {
      const now = Date.now()
      await store.set('c1', makeEntry(now), MINUTE)
      await store.set('c2', makeEntry(now, { tags: ['t'], tagVersions: await store.tagVersions(['t']) }), MINUTE)
      await store.clear()
      expect(await store.get('c1', now)).toBeUndefined()
      expect(await store.get('c2', now)).toBeUndefined()
      await store.set('c3', makeEntry(now), MINUTE)
      expect(await store.get('c3', now)).toBeDefined()
    })

    it.runIf(options.size)('counts entries and bytes', async () => {
      const now = Date.now()
      await store.set('s1', makeEntry(now), MINUTE)
      await store.set('s2', makeEntry(now), MINUTE)
      const size = store.size!()
      expect(size.entries).toBe(2)
      expect(size.bytes).toBeGreaterThan(10)
    })

    describe.runIf(options.locks)('fill locks', () => {
      it('gives the lock to one holder at a time, and back after release', async () => {
        const first = (await store.acquireFillLock!('lk', MINUTE))!
        expect(first.token).toBeTypeOf('string')
        expect(await store.acquireFillLock!('lk', MINUTE)).toBeUndefined()
        expect(await store.acquireFillLock!('other', MINUTE)).toBeDefined()
        await first.release()
        const second = await store.acquireFillLock!('lk', MINUTE)
        expect(second).toBeDefined()
        expect(second!.token).not.toBe(first.token)
        // A stale holder's release must not free the new holder's lock.
        await first.release()
        expect(await store.acquireFillLock!('lk', MINUTE)).toBeUndefined()
        await second!.release()
      })

      it('wakes a waiter when the holder stores, well before the timeout', async () => {
        const lock = (await store.acquireFillLock!('w', MINUTE))!
        const started = Date.now()
        const waiting = store.waitForFill!('w', 10_000)
        const now = Date.now()
        await store.set('w', makeEntry(now), MINUTE, lock)
        await lock.release()
        await waiting
        expect(Date.now() - started).toBeLessThan(2000)
        expect(await store.get('w', now)).toBeDefined()
      })

      it('wakes a waiter when the holder releases without storing', async () => {
        const lock = (await store.acquireFillLock!('r', MINUTE))!
        const waiting = store.waitForFill!('r', 10_000)
        const started = Date.now()
        await lock.release()
        await waiting
        expect(Date.now() - started).toBeLessThan(2000)
      })

      it('stops waiting at the timeout when the holder never finishes', async () => {
        const lock = (await store.acquireFillLock!('hang', MINUTE))!
        const started = Date.now()
        await store.waitForFill!('hang', 150)
        expect(Date.now() - started).toBeGreaterThanOrEqual(140)
        expect(Date.now() - started).toBeLessThan(2000)
        await lock.release()
      })

      it('lets the lock expire, and fences out the writer that lost it', async () => {
        const now = Date.now()
        const stale = (await store.acquireFillLock!('f', 30))!
        let fresh: Awaited<ReturnType<NonNullable<Store['acquireFillLock']>>>
        await until(async () => (fresh = await store.acquireFillLock!('f', MINUTE)) !== undefined)
        const newer = makeEntry(now, { body: new TextEncoder().encode('newer') })
        await store.set('f', newer, MINUTE, fresh!)
        await store.set('f', makeEntry(now, { body: new TextEncoder().encode('older') }), MINUTE, stale)
        expect(new TextDecoder().decode((await store.get('f', now))!.body)).toBe('newer')
        await fresh!.release()
        // With no holder at all, a write under an expired lock is refused too.
        await store.set('g', makeEntry(now), MINUTE, stale)
        expect(await store.get('g', now)).toBeUndefined()
      })

      it('fences out a fill whose key was deleted while it ran', async () => {
        const now = Date.now()
        const lock = (await store.acquireFillLock!('d', MINUTE))!
        await store.delete('d')
        await store.set('d', makeEntry(now), MINUTE, lock)
        expect(await store.get('d', now)).toBeUndefined()
      })
    })
  })
}
