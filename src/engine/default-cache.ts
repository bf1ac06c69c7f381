// The process-wide cache that routes use when given no `cache`: memory store, default options.
import { createCache, type Cache } from './cache.js'

let shared: Cache | undefined

/**
 * The process-wide default cache, created on first use: the one routes and memoized functions
 * given no `cache` share. Invalidate or clear it through this.
 *
 * @example
 * await defaultCache().invalidate({ tags: ['home'] })
 */
export function defaultCache(): Cache {
  shared ??= createCache()
  return shared
}
