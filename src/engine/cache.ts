// The engine: reads, single-flight fills, invalidation and stats, generic over the stored bytes.
// It knows nothing of HTTP; the http layer and memoize decide what to store and how to serve it.
import { CacheError, badOption } from '../errors.js'
import type { CacheEntry, EntryMeta, FillLock, MaybePromise, Store } from '../stores/store.js'
import type { Clock } from './clock.js'
import { isCacheEntry } from './entry-check.js'
import { EntryState, entryState, storeTtl } from './freshness.js'
import { guardStore } from './guarded-store.js'
import { resolveCacheOptions, type CacheOptions } from './options.js'
import { Flights, type Flight, type FlightResult } from './single-flight.js'
import { StatsCounters, type CacheStats } from './stats.js'
import { pathTag } from './tags.js'

/** How long, and under which tags, a fill's entry is kept. Durations in milliseconds. */
export interface FillPlan {
  readonly ttl: number
  readonly staleWhileRevalidate: number
  readonly staleIfError: number
  readonly tags: readonly string[]
}

/** What `cache.invalidate()` accepts; any combination, all applied. */
export interface InvalidateTarget {
  /** Entries filled under any of these tags. */
  tags?: readonly string[]
  /** Entries under these exact cache keys (a custom `key`, or a memoized function's key). */
  keys?: readonly string[]
  /** Every cached variant (host, query, `Vary`) of these URL paths, such as `'/products'`. */
  paths?: readonly string[]
}

/**
 * One fill of a key, led by the caller that began it. The caller awaits `ready`, runs the
 * origin, then calls `commit` or `abandon` exactly once.
 */
export interface Fill {
  /**
   * Resolves when the origin may run: tag versions are read and, on a shared store, the
   * fleet-wide fill lock is taken. Resolves to an entry instead when another process filled the
   * key meanwhile: serve that, do not run the origin (and do not commit).
   */
  readonly ready: MaybePromise<CacheEntry | undefined>
  /**
   * Stores what the origin produced (unless invalidated meanwhile) and hands it to waiters.
   * `storeKey` stores it under another key than the fill's (a variant of it).
   */
  commit(meta: EntryMeta, body: Uint8Array, storeKey?: string): CacheEntry
  /** The origin failed, or its answer is not for everyone: each waiter asks the origin itself. */
  abandon(): void
}

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
    const answer = guard.call('get', (s) => s.get(key, at), undefined)
    if (answer instanceof Promise) return answer.then((value) => checked(key, value))
    return checked(key, answer)
  }

  function beginFill(key: string, plan: FillPlan, shared = true): Fill {
    const flight = flights.start(key, plan.tags, now(), shared)
    const begunAt = now()
    let versions: readonly number[] | undefined
    let lock: FillLock | undefined
    let done = false

    function finish(result: FlightResult): void {
      done = true
      flight.settle(result)
      if (lock) {
        const held = lock
        lock = undefined
        track(guard.call('releaseFillLock', () => held.release(), undefined))
      }
    }

    function readVersions(): MaybePromise<void> {
      if (plan.tags.length === 0) {
        versions = []
        return
      }
      const answer = guard.call('tagVersions', (s) => s.tagVersions(plan.tags), undefined)
      if (answer instanceof Promise) {
        return answer.then((value) => {
          versions = validVersions(value, plan.tags.length)
        })
      }
      versions = validVersions(answer, plan.tags.length)
    }

    async function takeFleetLock(): Promise<CacheEntry | undefined> {
      const acquire = (): MaybePromise<FillLock | undefined | null> =>
        guard.call('acquireFillLock', (s) => s.acquireFillLock!(key, lockTimeout), null)
      const first = await acquire()
      if (first !== undefined) {
        lock = first ?? undefined
        if (lock === undefined) return undefined
        // Double-checked locking: another process may have stored the key and released its lock
        // between our miss and our lock. An entry stored since our read began (the read took at
        // most storeTimeout) is that fill: serve it rather than run the origin a second time.
        const entry = await read(key, now())
        if (entry !== undefined && entry.storedAt >= begunAt - config.storeTimeout) {
          if (entryState(entry, now()) === EntryState.Fresh) {
            finish(entry)
            return entry
          }
        }
        return undefined
      }
      // Another process is filling: wait for its entry instead of running the origin too.
      try {
        await store.waitForFill?.(key, lockTimeout)
      } catch (error) {
        reportError(
          new CacheError('E_STORE_ERROR', `cachefront: ${store.name} store waitForFill failed`, { cause: error }),
        )
      }
      const entry = await read(key, now())
      if (entry !== undefined && entryState(entry, now()) !== EntryState.Expired) {
        finish(entry)
        return entry
      }
      // The holder died or is too slow: run the origin ourselves, under the lock if we can get it.
      lock = (await acquire()) ?? undefined
      return undefined
    }

    function prepare(): MaybePromise<CacheEntry | undefined> {
      const reading = readVersions()
      if (!(reading instanceof Promise) && (store.acquireFillLock === undefined || !shared)) return undefined
      const preparing =
        store.acquireFillLock === undefined || !shared
          ? (reading as Promise<void>).then(() => undefined)
          : Promise.resolve(reading).then(takeFleetLock)
      // Whatever goes wrong here, the caller runs the origin; a rejected `ready` would leave the
      // flight unsettled and its waiters stuck until lockTimeout.
      return preparing.catch((error: unknown) => {
        reportError(
          new CacheError('E_STORE_ERROR', `cachefront: ${store.name} store fill preparation failed`, { cause: error }),
        )
        return undefined
      })
    }

    return {
      ready: prepare(),
      commit(meta, body, storeKey = key) {
        const storedAt = now()
        const entry: CacheEntry = {
          storedAt,
          freshUntil: storedAt + plan.ttl,
          staleUntil: storedAt + plan.ttl + plan.staleWhileRevalidate,
          errorUntil: storedAt + plan.ttl + plan.staleIfError,
          tags: plan.tags,
          tagVersions: versions ?? [],
          meta,
          body,
        }
        // A fill that overlapped an invalidation of its key or tags, or whose tag versions could not
        // be read, answers its own waiters but is never stored as fresh for later requests.
        if (!done && versions !== undefined && !flight.invalidated) {
          const writeLock = lock
          track(guard.call('set', (s) => s.set(storeKey, entry, storeTtl(entry), writeLock), undefined))
        }
        finish(entry)
        return entry
      },
      abandon() {
        finish(undefined)
      },
    }
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
    const keys = stringList(target?.keys, 'invalidate keys')
    const tags = [
      ...stringList(target?.tags, 'invalidate tags'),
      ...stringList(target?.paths, 'invalidate paths').map(pathTag),
    ]
    for (const key of keys) flights.invalidateKey(key)
    if (tags.length > 0) flights.invalidateTags(new Set(tags))
    await Promise.all([
      ...keys.map((key) => direct('delete', () => store.delete(key))),
      tags.length > 0 ? direct('invalidateTags', () => store.invalidateTags(tags)) : undefined,
    ])
  }

  // Invalidation is an explicit request: a store failure is thrown to the caller, not absorbed.
  async function direct(operation: string, run: () => MaybePromise<void>): Promise<void> {
    try {
      await run()
    } catch (error) {
      throw new CacheError('E_STORE_ERROR', `cachefront: ${store.name} store ${operation} failed`, { cause: error })
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
    beginFill,
    record(outcome) {
      if (outcome === 'hit') counters.hits++
      else if (outcome === 'miss') counters.misses++
      else if (outcome === 'stale') counters.staleServed++
      else counters.coalescedWaits++
    },
    reportError,
  }
}

function validVersions(value: unknown, count: number): readonly number[] | undefined {
  if (!Array.isArray(value) || value.length !== count) return undefined
  return value.every((version) => typeof version === 'number') ? (value as number[]) : undefined
}

function stringList(value: unknown, name: string): readonly string[] {
  if (value === undefined) return []
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw badOption(name, 'an array of strings', value)
  }
  return value as string[]
}
