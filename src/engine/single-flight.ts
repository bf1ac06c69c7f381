// In-process single-flight: one fill per key; later callers wait on its promise.
import type { CacheEntry } from '../stores/store.js'

/**
 * What a fill ends with, as its waiters see it: the entry it produced (stored or not), or
 * `undefined` when the origin's answer was not cacheable or failed, so that each waiter must
 * ask the origin for its own response (it may be private to the leader's request).
 */
export type FlightResult = CacheEntry | undefined

export interface Flight {
  readonly key: string
  readonly tags: readonly string[]
  /** When the fill began, on the cache's clock. */
  readonly startedAt: number
  readonly promise: Promise<FlightResult>
  /** Set when the key, one of its tags or the whole cache was invalidated during the fill. */
  invalidated: boolean
  /**
   * Set when the fill ended without an answer because the origin failed (threw, or answered 5xx):
   * a waiter holding a stale entry serves it instead of calling the failing origin again.
   */
  failed: boolean
  settled: boolean
  settle(result: FlightResult): void
}

export class Flights {
  readonly #byKey = new Map<string, Flight>()
  // Fills that nobody waits on (a retry after a wait timed out, a Vary marker) must still see
  // invalidations that happen while they run, so they are tracked here.
  readonly #detached = new Set<Flight>()

  get(key: string): Flight | undefined {
    return this.#byKey.get(key)
  }

  /**
   * Registers a new flight for `key`; the caller must settle it exactly once. A flight that is
   * not `shared` is not found by `get` (nobody waits on it) but still sees invalidations.
   */
  start(key: string, tags: readonly string[], startedAt: number, shared = true): Flight {
    let settle!: (result: FlightResult) => void
    const promise = new Promise<FlightResult>((resolve) => {
      settle = resolve
    })
    const flights = this.#byKey
    const detached = this.#detached
    const flight: Flight = {
      key,
      tags,
      startedAt,
      promise,
      invalidated: false,
      failed: false,
      settled: false,
      settle(result) {
        if (flight.settled) return
        flight.settled = true
        if (flights.get(key) === flight) flights.delete(key)
        detached.delete(flight)
        settle(result)
      },
    }
    if (shared) {
      // A newer fill of the key (a client's no-cache) supersedes a running one: the older fill
      // must not overwrite what the newer one stores when it happens to finish last.
      const older = flights.get(key)
      if (older !== undefined) this.#retire(older)
      flights.set(key, flight)
    } else detached.add(flight)
    return flight
  }

  invalidateKey(key: string): void {
    const flight = this.#byKey.get(key)
    if (flight) this.#retire(flight)
    for (const other of this.#detached) if (other.key === key) other.invalidated = true
  }

  invalidateTags(tags: ReadonlySet<string>): void {
    for (const flight of [...this.#all()]) {
      if (flight.tags.some((tag) => tags.has(tag))) this.#retire(flight)
    }
  }

  invalidateAll(): void {
    for (const flight of [...this.#all()]) this.#retire(flight)
  }

  /**
   * Marks a flight invalidated and stops later callers from waiting on it: what it produces began
   * before the invalidation, so only those already waiting get it; a request that arrives after
   * `invalidate()` resolved starts a fill of its own.
   */
  #retire(flight: Flight): void {
    flight.invalidated = true
    if (flight.settled || this.#byKey.get(flight.key) !== flight) return
    this.#byKey.delete(flight.key)
    this.#detached.add(flight)
  }

  *#all(): Iterable<Flight> {
    yield* this.#byKey.values()
    yield* this.#detached
  }

  get size(): number {
    return this.#byKey.size
  }
}
