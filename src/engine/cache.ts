// The engine: reads, single-flight fills, invalidation and stats, generic over the stored bytes.
// It knows nothing of HTTP; the http layer and memoize decide what to store and how to serve it.
import { LRUCache } from 'lru-cache'
import { CacheError, badOption, rejectUnknownOptions } from '../errors.js'
import type { CacheEntry, MaybePromise, Store } from '../stores/store.js'
import type { Clock } from './clock.js'
import { isCacheEntry } from './entry-check.js'
import { beginFill, type Fill, type FillContext, type FillPlan } from './fill.js'
import { guardStore } from './guarded-store.js'
import { resolveCacheOptions, type CacheOptions } from './options.js'
import { Flights, type Flight, type FlightResult } from './single-flight.js'

export type { Fill, FillPlan } from './fill.js'
import { StatsCounters, type CacheStats } from './stats.js'
import { keyTag, pathTag } from './tags.js'

/** What `cache.invalidate()` accepts; any combination, all applied. */
export interface InvalidateTarget {
  /** Entries filled under any of these tags. */
  tags?: readonly string[]
  /** Entries under these exact cache keys (a custom `key`, or a memoized function's key). */
  keys?: readonly string[]
  /** Every cached variant (host, query, `Vary`) of these URL paths, such as `'/products'`. */
  paths?: readonly string[]
}

const INVALIDATE_FIELDS = new Set(['tags', 'paths', 'keys'])
// How long invalidate and clear wait for a store that does not answer before they fail.
const DIRECT_TIMEOUT_MS = 2_000
// Hit-for-pass bounds: an uncacheable key is remembered for at most its ttl and two minutes,
// and at most this many keys (least recently marked forgotten first).
const MAX_PASS_MS = 120_000
const MAX_PASS_KEYS = 10_000

/** Returned by `cache.wait()` when the fill took longer than `lockTimeout`. */
export const WAIT_TIMED_OUT: unique symbol = Symbol('cachefront.waitTimedOut')

/** Served, stored and invalidated responses and values; see `createCache`. */
export interface Cache {
  readonly store: Store
  /** The clock the cache reads (the `now` option). */
  readonly now: Clock
  /** The cache-wide `ttl`, `staleWhileRevalidate` and `staleIfError`, in milliseconds. */
  readonly defaults: { readonly ttl: number; readonly staleWhileRevalidate: number; readonly staleIfError: number }
  /** Makes every matching entry a miss, in this process and (with a shared store) in all others. */
  invalidate(target: InvalidateTarget): Promise<void>
  /** Removes every entry. */
  clear(): Promise<void>
  stats(): CacheStats
  /** Releases the store's connections and timers. */
  close(): Promise<void>

  // The primitives below are what adapters and memoize are built on.

  /** The entry under `key` if the store has a current one (expired ones included). */
  read(key: string, now: number): MaybePromise<CacheEntry | undefined>
  /** The in-process fill of `key` that is running, if any. */
  inflight(key: string): Flight | undefined
  /** Waits for `flight`, at most `lockTimeout`. */
  wait(flight: Flight): Promise<FlightResult | typeof WAIT_TIMED_OUT>
  /** Begins a fill; with `shared`, later callers for the same key wait for it. */
  beginFill(key: string, plan: FillPlan, shared?: boolean): Fill
  /** Counts an outcome in `stats()`. */
  record(outcome: 'hit' | 'miss' | 'stale' | 'coalesced'): void
  /** Reports an absorbed error (counted, and passed to `onError`). */
  reportError(error: CacheError): void
}

/** Creates a cache. Every option is checked here, so a bad one fails at startup. */
export function createCache(options: CacheOptions = {}): Cache {
  const config = resolveCacheOptions(options)
  const { store, now, lockTimeout } = config
  const counters = new StatsCounters()
  const flights = new Flights()
  const pending = new Set<Promise<unknown>>()
  // Keys whose last answer could not be stored, and until when their requests skip single-flight.
  const passUntil = new LRUCache<string, number>({ max: MAX_PASS_KEYS })

  function reportError(error: CacheError): void {
    counters.errors++
    if (config.onError) {
      try {
        config.onError(error)
      } catch {
        // A throwing error listener must not turn an absorbed error into a failed request.
      }
    }
  }

  const guard = guardStore(store, {
    timeoutMs: config.storeTimeout,
    failureThreshold: config.circuitBreakerThreshold,
    cooldownMs: config.circuitBreakerCooldown,
    now,
    onError: reportError,
  })

  // Background work (store writes, lock releases) is tracked so close() can wait for it.
  function track(work: MaybePromise<unknown>): void {
    if (!(work instanceof Promise)) return
    pending.add(work)
    void work.finally(() => pending.delete(work))
  }

  function checked(key: string, value: unknown): CacheEntry | undefined {
    if (value === undefined) return undefined
    if (isCacheEntry(value)) return value
    reportError(new CacheError('E_BAD_STORE_DATA', `cachefront: ${store.name} store returned a malformed entry`))
    track(guard.call('delete', (s) => s.delete(key), undefined))
    return undefined
  }

  function read(key: string, at: number): MaybePromise<CacheEntry | undefined> {
    const answer = guard.get(key, at)
    if (answer instanceof Promise) return answer.then((value) => checked(key, value))
    return checked(key, answer)
  }

  const fillContext: FillContext = {
    store,
    guard,
    flights,
    now,
    lockTimeout,
    storeTimeout: config.storeTimeout,
    read,
    track,
    reportError,
    passFor(key, ms) {
      passUntil.set(key, now() + Math.min(ms, MAX_PASS_MS))
    },
    endPass(key) {
      passUntil.delete(key)
    },
  }

  function wait(flight: Flight): Promise<FlightResult | typeof WAIT_TIMED_OUT> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(WAIT_TIMED_OUT), lockTimeout)
      timer.unref?.()
      void flight.promise.then((result) => {
        clearTimeout(timer)
        resolve(result)
      })
    })
  }

  async function invalidate(target: InvalidateTarget): Promise<void> {
    // A misspelt field (`path` for `paths`) would invalidate nothing, silently.
    if (typeof target === 'object' && target !== null) rejectUnknownOptions(target, INVALIDATE_FIELDS, 'invalidate')
    const keys = stringList(target?.keys, 'invalidate keys')
    // A key's own tag reaches what its fills stored under other keys (Vary variants); the delete
    // still drops the entry at once and, on a shared store, fences out a fill holding its lock.
    const tags = [
      ...stringList(target?.tags, 'invalidate tags'),
      ...stringList(target?.paths, 'invalidate paths').map(pathTag),
      ...keys.map(keyTag),
    ]
    for (const key of keys) flights.invalidateKey(key)
    if (tags.length > 0) flights.invalidateTags(new Set(tags))
    await Promise.all([
      ...keys.map((key) => direct('delete', () => store.delete(key))),
      tags.length > 0 ? direct('invalidateTags', () => store.invalidateTags(tags)) : undefined,
    ])
  }

  // Invalidation is an explicit request: a store failure is thrown to the caller, not absorbed.
  // A store that never answers fails it too, after DIRECT_TIMEOUT_MS (or storeTimeout if longer).
  async function direct(operation: string, run: () => MaybePromise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const limit = Math.max(DIRECT_TIMEOUT_MS, config.storeTimeout)
    const silence = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${limit} ms`)), limit)
    })
    try {
      await Promise.race([run(), silence])
    } catch (error) {
      throw new CacheError('E_STORE_ERROR', `cachefront: ${store.name} store ${operation} failed`, { cause: error })
    } finally {
      clearTimeout(timer)
    }
  }

  return {
    store,
    now,
    defaults: { ttl: config.ttl, staleWhileRevalidate: config.staleWhileRevalidate, staleIfError: config.staleIfError },
    invalidate,
    async clear() {
      flights.invalidateAll()
      await direct('clear', () => store.clear())
    },
    stats() {
      const size = store.size?.() ?? { entries: 0, bytes: 0 }
      return {
        hits: counters.hits,
        misses: counters.misses,
        staleServed: counters.staleServed,
        coalescedWaits: counters.coalescedWaits,
        errors: counters.errors,
        entries: size.entries,
        bytes: size.bytes,
      }
    },
    async close() {
      await Promise.allSettled([...pending])
      await store.close?.()
    },
    read,
    inflight(key) {
      const flight = flights.get(key)
      // A fill running longer than lockTimeout is presumed hung: the next request leads a new one
      // (its own waiters have given up by then too), instead of every request waiting in turn.
      if (flight !== undefined && now() - flight.startedAt >= lockTimeout) return undefined
      return flight
    },
    wait,
    beginFill(key, plan, shared = true) {
      const passing = shared && (passUntil.get(key) ?? 0) > now()
      const tagged = { ...plan, tags: [...plan.tags, keyTag(key)] }
      return beginFill(fillContext, key, tagged, shared && !passing)
    },
    record(outcome) {
      if (outcome === 'hit') counters.hits++
      else if (outcome === 'miss') counters.misses++
      else if (outcome === 'stale') counters.staleServed++
      else counters.coalescedWaits++
    },
    reportError,
  }
}

function stringList(value: unknown, name: string): readonly string[] {
  if (value === undefined) return []
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw badOption(name, 'an array of strings', value)
  }
  return value as string[]
}
