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
  readonly promise: Promise<FlightResult>
  /** Set when the key, one of its tags or the whole cache was invalidated during the fill. */
  invalidated: boolean
  settled: boolean
  settle(result: FlightResult): void
}

export class Flights {
  readonly #byKey = new Map<string, Flight>()

  get(key: string): Flight | undefined {
    return this.#byKey.get(key)
  }

  /** Registers a new flight for `key`; the caller must settle it exactly once. */
  start(key: string, tags: readonly string[]): Flight {
    let settle!: (result: FlightResult) => void
    const promise = new Promise<FlightResult>((resolve) => {
      settle = resolve
    })
    const flights = this.#byKey
    const flight: Flight = {
      key,
      tags,
      promise,
      invalidated: false,
      settled: false,
      settle(result) {
        if (flight.settled) return
        flight.settled = true
        if (flights.get(key) === flight) flights.delete(key)
        settle(result)
      },
    }
    flights.set(key, flight)
    return flight
  }

  invalidateKey(key: string): void {
    const flight = this.#byKey.get(key)
    if (flight) flight.invalidated = true
  }

  invalidateTags(tags: ReadonlySet<string>): void {
    for (const flight of this.#byKey.values()) {
      if (flight.tags.some((tag) => tags.has(tag))) flight.invalidated = true
    }
  }

  invalidateAll(): void {
    for (const flight of this.#byKey.values()) flight.invalidated = true
  }

  get size(): number {
    return this.#byKey.size
  }
}
