// The process-wide cache that routes use when given no `cache`: memory store, default options.
import { createCache, type Cache } from './cache.js'

let shared: Cache | undefined

/** The process-wide default cache, created on first use. */
export function defaultCache(): Cache {
  shared ??= createCache()
  return shared
}
