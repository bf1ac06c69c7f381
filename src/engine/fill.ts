// One fill of a key: tag versions read before the origin runs, the fleet-wide lock where the
// store has one, then the entry stored unless an invalidation overlapped it.
import { CacheError } from '../errors.js'
import type { CacheEntry, EntryMeta, FillLock, MaybePromise, Store } from '../stores/store.js'
import type { Clock } from './clock.js'
import { EntryState, entryState, storeTtl } from './freshness.js'
import type { StoreGuard } from './guarded-store.js'
import type { Flights, FlightResult } from './single-flight.js'

/** How long, and under which tags, a fill's entry is kept. Durations in milliseconds. */
export interface FillPlan {
  readonly ttl: number
  readonly staleWhileRevalidate: number
  readonly staleIfError: number
  readonly tags: readonly string[]
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
  /**
   * Ends the fill without an entry: each waiter answers for itself. `'uncacheable'` says the
   * resource's answer can never be stored (private, too large): for a while, later requests for
   * the key run the origin side by side instead of queueing behind one fill after another (what
   * Varnish calls hit-for-pass). `'failed'` says the origin failed: waiters holding a stale
   * entry serve it rather than call the failing origin too.
   */
  abandon(reason?: AbandonReason): void
}

/** Why a fill ended without an entry, when that matters to others (see `Fill.abandon`). */
export type AbandonReason = 'uncacheable' | 'failed'

/** What a fill needs of the cache that begins it. */
export interface FillContext {
  readonly store: Store
  readonly guard: StoreGuard
  readonly flights: Flights
  readonly now: Clock
  readonly lockTimeout: number
  readonly storeTimeout: number
  read(key: string, at: number): MaybePromise<CacheEntry | undefined>
  /** Keeps background work (writes, lock releases) for `close()` to wait on. */
  track(work: MaybePromise<unknown>): void
  reportError(error: CacheError): void
  /** Lets requests for `key` skip single-flight for up to `ms` (its answers are uncacheable). */
  passFor(key: string, ms: number): void
  /** Ends a `passFor`: the key's answers are cacheable again. */
  endPass(key: string): void
}

export function beginFill(context: FillContext, key: string, plan: FillPlan, shared: boolean): Fill {
  const { store, guard, flights, now, lockTimeout, storeTimeout, read, track, reportError } = context
  const flight = flights.start(key, plan.tags, now(), shared)
  const begunAt = now()
  let versions: readonly number[] | undefined
  let lock: FillLock | undefined
  // Set when this fill runs while another process holds the key's lock: its answer is for its own
  // callers only, since a write could overwrite the holder's newer entry unfenced.
  let lockedOut = false
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
      if (entry !== undefined && entry.storedAt >= begunAt - storeTimeout) {
        if (entryState(entry, now()) === EntryState.Fresh) {
          finish(entry)
          return entry
        }
      }
      return undefined
    }
    // Another process is filling: wait for its entry instead of running the origin too. When its
    // lock expired instead (the holder died or is too slow), every waiter races to take it over:
    // a loser waits once more, for the winner, rather than run the origin beside it.
    for (let round = 0; ; round++) {
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
      // Run the origin ourselves, under the lock if we can get it.
      const next = await acquire()
      if (next !== undefined || round > 0) {
        lock = next ?? undefined
        lockedOut = next === undefined
        return undefined
      }
    }
  }

  function prepare(): MaybePromise<CacheEntry | undefined> {
    // A store call has just timed out (most likely this request's own read): ask the store nothing
    // more before the origin runs, so that a request pays about one soft timeout, not one per call.
    // Without tag versions the answer is not stored; the breaker counts the timeouts themselves.
    if (guard.slow) return undefined
    const reading = readVersions()
    if (!(reading instanceof Promise) && (store.acquireFillLock === undefined || !shared)) return undefined
    const preparing =
      store.acquireFillLock === undefined || !shared
        ? (reading as Promise<void>).then(() => undefined)
        : Promise.resolve(reading).then(() => (guard.slow ? undefined : takeFleetLock()))
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
      if (!done) context.endPass(key)
      if (!done && versions !== undefined && !flight.invalidated && !lockedOut) {
        const writeLock = lock
        track(guard.call('set', (s) => s.set(storeKey, entry, storeTtl(entry), writeLock), undefined))
      }
      finish(entry)
      return entry
    },
    abandon(reason) {
      if (!done && reason === 'uncacheable') context.passFor(key, plan.ttl)
      if (!done && reason === 'failed') flight.failed = true
      finish(undefined)
    },
  }
}

function validVersions(value: unknown, count: number): readonly number[] | undefined {
  if (!Array.isArray(value) || value.length !== count) return undefined
  return value.every((version) => typeof version === 'number') ? (value as number[]) : undefined
}
