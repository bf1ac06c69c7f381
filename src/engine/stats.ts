// Counters behind cache.stats(): plain numbers, bumped on the request path without allocation.

/** What `cache.stats()` reports. Counters start at 0 when the cache is created. */
export interface CacheStats {
  /** Requests (or memoized calls) answered from a fresh entry, including 304s. */
  readonly hits: number
  /** Requests that went to the origin because no usable entry existed. */
  readonly misses: number
  /** Stale entries served: during stale-while-revalidate, or in place of a failed origin. */
  readonly staleServed: number
  /** Requests that waited for another request's fill of the same key instead of running the origin. */
  readonly coalescedWaits: number
  /** Errors absorbed: store failures and timeouts, bad store data, codec and refresh failures. */
  readonly errors: number
  /** Entries held by the store, where it can tell (memory, tiered L1); otherwise 0. */
  readonly entries: number
  /** Bytes held by the store, where it can tell; otherwise 0. */
  readonly bytes: number
}

export class StatsCounters {
  hits = 0
  misses = 0
  staleServed = 0
  coalescedWaits = 0
  errors = 0
}
