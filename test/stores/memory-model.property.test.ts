// Model-based property test of the memory store (fast-check): random sequences of set, get (with an
// advancing clock), delete, clear and tag invalidation against memoryStore({ maxBytes }) and a plain
// Map as the reference model. Small bounds, so that eviction, slab reuse and compaction all happen.
// At every step: a get answers undefined or exactly the latest entry set under its key (never another
// key's, an older, an expired or an invalidated one), the bytes held stay within maxBytes, the entry
// count matches what get finds, and an emptied store holds nothing.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { memoryStore, type MemoryStore } from '../../src/stores/memory.js'
import { entrySize, type CacheEntry } from '../../src/stores/store.js'

const TAGS = ['a', 'b', 'ü', '日本']
const HEADER_NAMES = ['etag', 'content-type', 'x-ünï', 'x-日本']

type Command =
  | {
      readonly kind: 'set'
      readonly key: number
      readonly body: number
      readonly ttl: number
      readonly tags: readonly number[]
      /** Filled under the tag versions read before an invalidation of its first tag (a racing fill). */
      readonly raced: boolean
      /** The body views a larger buffer (a slice of a pool or a read chunk). */
      readonly pooled: boolean
    }
  | { readonly kind: 'get'; readonly key: number }
  | { readonly kind: 'advance'; readonly ms: number }
  /** The clock to the key's expiry, or to the last millisecond before it. */
  | { readonly kind: 'expire'; readonly key: number; readonly before: boolean }
  | { readonly kind: 'delete'; readonly key: number }
  | { readonly kind: 'deleteAll' }
  | { readonly kind: 'clear' }
  | { readonly kind: 'invalidate'; readonly tags: readonly number[] }
  /** Reads `read`, then sets a small entry under `key`: LRU says `read` survives when both fit. */
  | { readonly kind: 'readThenSet'; readonly read: number; readonly key: number; readonly body: number }

interface Scenario {
  readonly maxBytes: number
  readonly keys: readonly string[]
  readonly commands: readonly Command[]
}

// Bodies from empty to larger than a slab (4–8 KB here) and than the smallest stores.
const anyBody = fc.oneof(
  { arbitrary: fc.constant(0), weight: 1 },
  { arbitrary: fc.integer({ min: 1, max: 200 }), weight: 6 },
  { arbitrary: fc.integer({ min: 200, max: 1500 }), weight: 3 },
  { arbitrary: fc.integer({ min: 1500, max: 20_000 }), weight: 1 },
)
// Mostly records that share slabs (up to a quarter of a slab), now and then one in a buffer of its
// own: large buffers would raise the bytes held, and with them the dead bytes compaction waits for.
const slabBody = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 300 }), weight: 20 },
  { arbitrary: fc.integer({ min: 300, max: 10_000 }), weight: 1 },
)
const tagList = fc.uniqueArray(fc.nat(TAGS.length - 1), { maxLength: 3 })
const keyIndex = fc.nat()

function commandArb(bodySize: fc.Arbitrary<number>, resetWeight: number): fc.Arbitrary<Command> {
  return fc.oneof(
    {
      arbitrary: fc.record({
        kind: fc.constant('set' as const),
        key: keyIndex,
        body: bodySize,
        ttl: fc.integer({ min: 1, max: 5_000 }),
        tags: tagList,
        raced: fc.nat(9).map((n) => n === 0),
        pooled: fc.boolean(),
      }),
      weight: 100,
    },
    { arbitrary: fc.record({ kind: fc.constant('get' as const), key: keyIndex }), weight: 80 },
    {
      arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 2_000 }) }),
      weight: 20,
    },
    {
      arbitrary: fc.record({ kind: fc.constant('expire' as const), key: keyIndex, before: fc.boolean() }),
      weight: 10,
    },
    { arbitrary: fc.record({ kind: fc.constant('delete' as const), key: keyIndex }), weight: 20 },
    { arbitrary: fc.constant({ kind: 'deleteAll' as const }), weight: resetWeight },
    { arbitrary: fc.constant({ kind: 'clear' as const }), weight: resetWeight },
    { arbitrary: fc.record({ kind: fc.constant('invalidate' as const), tags: tagList }), weight: 10 },
    {
      arbitrary: fc.record({
        kind: fc.constant('readThenSet' as const),
        read: keyIndex,
        key: keyIndex,
        body: fc.integer({ min: 0, max: 200 }),
      }),
      weight: 30,
    },
  )
}

// Keys of any characters: ASCII, Latin-1, beyond Latin-1 (UTF-16 strings on V8's heap), astral, lone surrogates.
const keyArb = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('ünïcödé', '日本語/パス', 'emoji 🦀', 'lone \ud800 surrogate', 'k'.repeat(300)),
  fc.nat(1000).map((n) => `GET example.test/items/${n}`),
)

function scenarioArb(options: {
  readonly maxBytes: fc.Arbitrary<number>
  readonly bodies: fc.Arbitrary<number>
  /** Weight of clear and of deleting every key, against 100 for set (slabs need long runs to grow sparse). */
  readonly resets: number
  readonly keys: number
  readonly commands: number
}): fc.Arbitrary<Scenario> {
  return fc.record({
    maxBytes: options.maxBytes,
    keys: fc.uniqueArray(keyArb, { minLength: 2, maxLength: options.keys, size: 'max' }),
    commands: fc.array(commandArb(options.bodies, options.resets), {
      minLength: 1,
      maxLength: options.commands,
      size: 'max',
    }),
  })
}

// The store's accounting (src/stores/memory.ts, memory/slabs.ts, memory/record.ts), for what "room
// for both" means in the LRU check: the index's typed arrays (64 slots, doubled as needed: never more
// slots than the scenario has keys), its per-entry Map cell, slabs (a shared store keeps its current slab and up to two
// spares whatever it holds) and the record's own buffer when it does not share a slab.
const INDEX_SLOT_BYTES = 52
const ENTRY_INDEX_BYTES = 72
const SLAB_OVERHEAD = 512
const RECORD_HEAD = 48
const utf8 = new TextEncoder()

function slabSizeFor(maxBytes: number): number {
  let size = 1 << 20
  while (size > maxBytes / 32) size /= 2
  return size < 4 << 10 ? 0 : size
}

function keyBytes(key: string): number {
  const units = /[\u0100-\uffff]/.test(key) ? key.length * 2 : key.length
  return (16 + units + 7) & ~7
}

/** An upper bound of the bytes held when the store holds only `read` (decoded) and `written` (as a record). */
function roomForBoth(
  maxBytes: number,
  keys: number,
  readKey: string,
  read: CacheEntry,
  key: string,
  written: CacheEntry,
): number {
  const slab = slabSizeFor(maxBytes)
  const header = JSON.stringify([written.meta, written.tags, written.tagVersions])
  const bound = (RECORD_HEAD + header.length * 3 + written.body.byteLength + 7) & ~7
  const own = slab === 0 || bound > slab / 4
  const record = (RECORD_HEAD + utf8.encode(header).byteLength + written.body.byteLength + 7) & ~7
  const slabs = (own ? record + SLAB_OVERHEAD : 0) + (slab > 0 ? 3 * (slab + SLAB_OVERHEAD) : 0)
  let capacity = 64
  while (capacity < keys) capacity *= 2
  return capacity * INDEX_SLOT_BYTES + 2 * ENTRY_INDEX_BYTES + entrySize(readKey, read) + keyBytes(key) + slabs
}

interface Held {
  readonly entry: CacheEntry
  readonly expiresAt: number
}

/** Why an entry that was served is not the expected one, or undefined when it is. */
function difference(found: CacheEntry, expected: CacheEntry): string | undefined {
  const shape = (entry: CacheEntry) =>
    JSON.stringify([
      entry.storedAt,
      entry.freshUntil,
      entry.staleUntil,
      entry.errorUntil,
      entry.tags,
      entry.tagVersions,
      entry.meta,
    ])
  if (shape(found) !== shape(expected)) return `${shape(found)} instead of ${shape(expected)}`
  if (!Buffer.from(found.body).equals(Buffer.from(expected.body))) return 'different body bytes'
  return undefined
}

/** Runs a scenario's commands on a store and, when `check` is set, on the model beside it. */
class Run {
  readonly store: MemoryStore
  readonly model = new Map<string, Held>()
  readonly versions = new Map<string, number>()
  now = 1_000_000
  serial = 0
  /** How often the LRU check applied while the set evicted others: the check must not be vacuous. */
  lruChecks = 0

  constructor(
    readonly scenario: Scenario,
    readonly check: boolean,
    /** Entries by serial: a replay of the same commands builds the same entries, so it reuses them. */
    readonly built: CacheEntry[] = [],
  ) {
    this.store = memoryStore({ maxBytes: scenario.maxBytes })
  }

  key(index: number): string {
    return this.scenario.keys[index % this.scenario.keys.length]!
  }

  tags(indexes: readonly number[]): string[] {
    return indexes.map((index) => TAGS[index]!)
  }

  versionsOf(tags: readonly string[]): readonly number[] {
    const versions = this.store.tagVersions(tags)
    if (versions instanceof Promise) throw new Error('the memory store answered with a promise')
    if (this.check) expect(versions).toEqual(tags.map((tag) => this.versions.get(tag) ?? 0))
    return versions
  }

  invalidate(tags: readonly string[]): void {
    void this.store.invalidateTags(tags)
    for (const tag of tags) this.versions.set(tag, (this.versions.get(tag) ?? 0) + 1)
  }

  entry(
    key: string,
    bodyBytes: number,
    ttl: number,
    tags: readonly string[],
    versions: readonly number[],
    pooled: boolean,
  ): CacheEntry {
    const serial = ++this.serial
    const replayed = this.built[serial - 1]
    if (replayed !== undefined) return replayed
    const buffer = new Uint8Array(pooled ? bodyBytes + 64 : bodyBytes)
    const body = pooled ? buffer.subarray(32, 32 + bodyBytes) : buffer
    for (let i = 0; i < bodyBytes; i++) body[i] = (serial * 31 + i) & 0xff
    return (this.built[serial - 1] = {
      storedAt: this.now,
      freshUntil: this.now + Math.floor(ttl / 2),
      staleUntil: this.now + ttl,
      errorUntil: this.now + ttl,
      tags,
      tagVersions: versions,
      meta: {
        status: 200,
        serial,
        key,
        headers: [HEADER_NAMES[serial % HEADER_NAMES.length]!, `"${serial}" ${key}`],
        nested: { list: [1, 'two', null, true, -1.5] },
      },
      body,
    })
  }

  set(key: string, entry: CacheEntry, ttl: number): void {
    void this.store.set(key, entry, ttl)
    this.model.set(key, { entry, expiresAt: this.now + ttl })
  }

  /** What a get must answer now, if anything (the store may also have evicted it). */
  expected(key: string, now: number): CacheEntry | undefined {
    const held = this.model.get(key)
    if (held === undefined || now >= held.expiresAt) return undefined
    const { tags, tagVersions } = held.entry
    return tags.every((tag, i) => (this.versions.get(tag) ?? 0) === tagVersions[i]) ? held.entry : undefined
  }

  get(key: string, now = this.now): CacheEntry | undefined {
    const found = this.store.get(key, now)
    if (found instanceof Promise) throw new Error('the memory store answered with a promise')
    const expected = this.check ? this.expected(key, now) : undefined
    if (found !== undefined && this.check) {
      if (expected === undefined) {
        const held = this.model.get(key)
        throw new Error(
          `get(${JSON.stringify(key)}) served ${JSON.stringify(found.meta)}, ` +
            (held === undefined ? 'but nothing is stored under it' : 'but its entry is expired or invalidated'),
        )
      }
      const wrong = difference(found, expected)
      if (wrong !== undefined) throw new Error(`get(${JSON.stringify(key)}) served ${wrong}`)
    }
    // Evicted, expired or invalidated: gone for good, until set again (a replay's model too: it steers `expire`).
    if (found === undefined) this.model.delete(key)
    return found
  }

  step(command: Command): void {
    switch (command.kind) {
      case 'set': {
        const key = this.key(command.key)
        const tags = this.tags(command.tags)
        const versions = this.versionsOf(tags)
        // A fill that overlapped an invalidation: stored under the versions it read, never served.
        if (command.raced && tags.length > 0) this.invalidate(tags.slice(0, 1))
        this.set(key, this.entry(key, command.body, command.ttl, tags, versions, command.pooled), command.ttl)
        break
      }
      case 'get':
        this.get(this.key(command.key))
        break
      case 'advance':
        this.now += command.ms
        break
      case 'expire': {
        const held = this.model.get(this.key(command.key))
        if (held !== undefined) this.now = Math.max(this.now, held.expiresAt - (command.before ? 1 : 0))
        break
      }
      case 'delete': {
        const key = this.key(command.key)
        void this.store.delete(key)
        this.model.delete(key)
        break
      }
      case 'deleteAll':
        for (const key of this.scenario.keys) void this.store.delete(key)
        this.model.clear()
        if (this.check) expect(this.store.size()).toEqual({ entries: 0, bytes: 0 })
        break
      case 'clear':
        void this.store.clear()
        this.model.clear()
        // Tag versions survive a clear: they only ever grow (src/stores/memory.ts), so no fill that
        // read them before the clear can match a version reset after it.
        if (this.check) expect(this.store.size()).toEqual({ entries: 0, bytes: 0 })
        break
      case 'invalidate':
        this.invalidate(this.tags(command.tags))
        break
      case 'readThenSet': {
        const readKey = this.key(command.read)
        const key = this.key(command.key)
        const read = this.get(readKey)
        const entry = this.entry(key, command.body, 60_000, [], [], false)
        const before = this.store.size().entries
        this.set(key, entry, 60_000)
        if (readKey === key || read === undefined) break
        if (
          roomForBoth(this.scenario.maxBytes, this.scenario.keys.length, readKey, read, key, entry) >
          this.scenario.maxBytes
        )
          break
        // The least recently used go first; `readKey` was used just before `key`, and both fit.
        const after = this.store.size().entries
        if (after <= before) this.lruChecks++
        if (this.get(readKey) === undefined) {
          throw new Error(
            `${JSON.stringify(readKey)}, read just before ${JSON.stringify(key)} was set, was evicted though both fit`,
          )
        }
        break
      }
    }
  }

  /** The invariants of what the store holds, after every step. */
  checkSize(): void {
    const { entries, bytes } = this.store.size()
    expect(bytes).toBeLessThanOrEqual(this.scenario.maxBytes)
    // The store holds no key the model does not: the model forgets a key only once the store has.
    expect(entries).toBeLessThanOrEqual(this.model.size)
    if (this.model.size === 0) expect({ entries, bytes }).toEqual({ entries: 0, bytes: 0 })
    if (entries === 0) expect(bytes).toBe(0)
  }
}

/**
 * How many keys the store holds after `commands[0..steps)`, found with get on replays (the store is
 * deterministic), so that looking changes neither recency nor decoding in the store under test. A
 * get at a time before any expiry finds an expired entry the store still holds (it drops them
 * lazily, on the next get); an entry the model knows invalidated is dropped by that get instead, so
 * it counts when the get lowers the count by one. A get that decodes may make room by evicting
 * others: the keys left are then looked up on a new replay.
 */
function heldKeys(scenario: Scenario, steps: number, model: Run): number {
  const left = [...model.model.keys()]
  let held = 0
  while (left.length > 0) {
    const run = new Run(scenario, false, model.built)
    for (let i = 0; i < steps; i++) run.step(scenario.commands[i]!)
    while (left.length > 0) {
      const key = left.pop()!
      const { entry } = model.model.get(key)!
      const current = entry.tags.every((tag, i) => (model.versions.get(tag) ?? 0) === entry.tagVersions[i])
      const before = run.store.size().entries
      const found = run.get(key, -Infinity)
      const after = run.store.size().entries
      if (found !== undefined) {
        expect(current).toBe(true)
        expect(difference(found, entry)).toBeUndefined()
        held++
        // Decoded, it may have taken the room of others (or, too large decoded, its own).
        if (after !== before) break
      } else if (current) {
        // Not held: nothing else may have changed.
        expect(after).toBe(before)
      } else if (after < before) {
        // Held, and dropped by this get; decoded first, it may have taken the room of others.
        held++
        if (after < before - 1) break
      }
    }
  }
  return held
}

function runScenario(scenario: Scenario): Run {
  const run = new Run(scenario, true)
  for (const command of scenario.commands) {
    run.step(command)
    run.checkSize()
  }
  return run
}

// A failing sequence of hundreds of commands takes a while to shrink: keep what shrinking found by then.
const LIMITS = { interruptAfterTimeLimit: 40_000 } as const

describe('memory store against a model', () => {
  it('serves only the latest live entry of a key, within maxBytes, evicting least recently used first', () => {
    let lruChecks = 0
    fc.assert(
      fc.property(
        fc.oneof(
          // Up to 64 KB, every record gets a buffer of its own: eviction, entries too large to keep.
          scenarioArb({
            maxBytes: fc.integer({ min: 8 << 10, max: 64 << 10 }),
            bodies: anyBody,
            resets: 10,
            keys: 48,
            commands: 300,
          }),
          // From 128 KB records share 4–8 KB slabs: slab reuse, compaction of sparse ones.
          scenarioArb({
            maxBytes: fc.integer({ min: 128 << 10, max: 256 << 10 }),
            bodies: slabBody,
            resets: 1,
            keys: 64,
            commands: 400,
          }),
        ),
        (scenario) => {
          lruChecks += runScenario(scenario).lruChecks
        },
      ),
      { numRuns: 200, ...LIMITS },
    )
    // The LRU check must have applied with something evicted, or it proves nothing.
    expect(lruChecks).toBeGreaterThan(0)
  }, 60_000)

  it('counts exactly the entries get finds', () => {
    fc.assert(
      fc.property(
        scenarioArb({
          maxBytes: fc.constantFrom(8 << 10, 16 << 10, 128 << 10),
          bodies: anyBody,
          resets: 10,
          keys: 5,
          commands: 30,
        }),
        // Creating a store takes ~13 ms (its tag versions' LRU is preallocated): replays are counted,
        // so this checks at a few steps of each sequence, and always at its end.
        fc.nat(),
        (scenario, seed) => {
          const run = new Run(scenario, true)
          const last = scenario.commands.length - 1
          scenario.commands.forEach((command, i) => {
            run.step(command)
            run.checkSize()
            if (i === last || (seed + i) % 8 === 0)
              expect(run.store.size().entries).toBe(heldKeys(scenario, i + 1, run))
          })
        },
      ),
      { numRuns: 40, ...LIMITS },
    )
  }, 60_000)
})
