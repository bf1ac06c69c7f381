// The options of createCache, declared once with their defaults, and validated at creation.
import { badOption, rejectUnknownOptions } from '../errors.js'
import type { CacheError } from '../errors.js'
import { isStore, type Store } from '../stores/store.js'
import { memoryStore } from '../stores/memory.js'
import type { Clock } from './clock.js'
import { parseDuration, type Duration } from './duration.js'

/** Options of `createCache`. */
export interface CacheOptions {
  /**
   * Where entries live: `memoryStore()`, `redisStore()`, `tieredStore()` or your own `Store`.
   * @default memoryStore()
   */
  store?: Store
  /**
   * How long an entry is fresh. Routes and memoized functions may override it.
   * @default '1m'
   */
  ttl?: Duration
  /**
   * How long past `ttl` a stale entry is still served while one background refresh runs.
   * @default 0
   */
  staleWhileRevalidate?: Duration
  /**
   * How long past `ttl` a stale entry is served in place of an origin that throws (or, for
   * responses, answers 5xx).
   * @default 0
   */
  staleIfError?: Duration
  /**
   * The clock, in epoch milliseconds. Inject one to test expiry without sleeping.
   * @default Date.now
   */
  now?: Clock
  /**
   * How long requests wait for another request's fill of the same key before they give up
   * waiting and ask the origin themselves. Also the TTL of a cluster-wide fill lock.
   * @default '10s'
   */
  lockTimeout?: Duration
  /**
   * Soft timeout of each store call; a slower call is answered as a miss.
   * @default '50ms'
   */
  storeTimeout?: Duration
  /**
   * Consecutive store failures after which the store is skipped for `circuitBreakerCooldown`.
   * @default 5
   */
  circuitBreakerThreshold?: number
  /**
   * How long a broken store is skipped before one probe call is let through.
   * @default '5s'
   */
  circuitBreakerCooldown?: Duration
  /**
   * Called with every error the cache absorbs (store failures and timeouts, bad store data,
   * codec failures, failed background refreshes). Requests are never failed by these.
   * @default undefined (errors are counted in `stats().errors` only)
   */
  onError?: (error: CacheError) => void
}

export const CACHE_DEFAULTS = {
  ttl: '1m',
  staleWhileRevalidate: 0,
  staleIfError: 0,
  lockTimeout: '10s',
  storeTimeout: '50ms',
  circuitBreakerThreshold: 5,
  circuitBreakerCooldown: '5s',
} as const satisfies Partial<Record<keyof CacheOptions, unknown>>

/** Options after validation: durations in milliseconds, defaults applied. */
export interface ResolvedCacheOptions {
  readonly store: Store
  readonly ttl: number
  readonly staleWhileRevalidate: number
  readonly staleIfError: number
  readonly now: Clock
  readonly lockTimeout: number
  readonly storeTimeout: number
  readonly circuitBreakerThreshold: number
  readonly circuitBreakerCooldown: number
  readonly onError: ((error: CacheError) => void) | undefined
}

const KNOWN_OPTIONS = new Set<string>([
  'store',
  'ttl',
  'staleWhileRevalidate',
  'staleIfError',
  'now',
  'lockTimeout',
  'storeTimeout',
  'circuitBreakerThreshold',
  'circuitBreakerCooldown',
  'onError',
])

/** The option as given, `null` included (it is then rejected), or the default when left out. */
function orDefault<T>(value: T | undefined, fallback: T): T {
  return value === undefined ? fallback : value
}

/** A positive ttl: an entry that is never fresh would make every request a miss. */
export function parseTtl(value: unknown, name: string): number {
  const ms = parseDuration(value, name)
  if (ms <= 0) throw badOption(name, 'a duration greater than 0', value)
  return ms
}

export function resolveCacheOptions(options: CacheOptions): ResolvedCacheOptions {
  if (typeof options !== 'object' || options === null) throw badOption('createCache options', 'an object', options)
  rejectUnknownOptions(options, KNOWN_OPTIONS, 'createCache')
  if (options.store !== undefined && !isStore(options.store)) {
    throw badOption(
      'createCache store',
      'a Store (an object with get, set, delete, clear, tagVersions, invalidateTags)',
      options.store,
    )
  }
  if (options.now !== undefined && typeof options.now !== 'function') {
    throw badOption('createCache now', 'a function returning epoch milliseconds', options.now)
  }
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    throw badOption('createCache onError', 'a function', options.onError)
  }
  const threshold = orDefault(options.circuitBreakerThreshold, CACHE_DEFAULTS.circuitBreakerThreshold)
  if (!Number.isInteger(threshold) || threshold < 1) {
    throw badOption('createCache circuitBreakerThreshold', 'a whole number of 1 or more', threshold)
  }
  const storeTimeout = parseDuration(
    orDefault(options.storeTimeout, CACHE_DEFAULTS.storeTimeout),
    'createCache storeTimeout',
  )
  if (storeTimeout <= 0) throw badOption('createCache storeTimeout', 'a duration greater than 0', options.storeTimeout)
  return {
    store: options.store ?? memoryStore(),
    ttl: parseTtl(orDefault(options.ttl, CACHE_DEFAULTS.ttl), 'createCache ttl'),
    staleWhileRevalidate: parseDuration(
      orDefault(options.staleWhileRevalidate, CACHE_DEFAULTS.staleWhileRevalidate),
      'createCache staleWhileRevalidate',
    ),
    staleIfError: parseDuration(
      orDefault(options.staleIfError, CACHE_DEFAULTS.staleIfError),
      'createCache staleIfError',
    ),
    now: options.now ?? Date.now,
    lockTimeout: parseTtl(orDefault(options.lockTimeout, CACHE_DEFAULTS.lockTimeout), 'createCache lockTimeout'),
    storeTimeout,
    circuitBreakerThreshold: threshold,
    circuitBreakerCooldown: parseDuration(
      orDefault(options.circuitBreakerCooldown, CACHE_DEFAULTS.circuitBreakerCooldown),
      'createCache circuitBreakerCooldown',
    ),
    onError: options.onError,
  }
}
