// What a fill that another process completed (found by the engine while taking the fleet-wide
// fill lock) means for this request: under a Vary route it may be a marker or another variant.
import type { Cache } from '../engine/cache.js'
import type { CacheEntry } from '../stores/store.js'
import { lookup, sameVariant } from './lookup.js'
import { hasResponseMeta } from './meta-check.js'
import type { RequestView } from './request-view.js'
import { isMarker } from './stored-response.js'

/** The entry this request may be answered with, or `undefined` when it must run the origin. */
export async function usableFilledEntry(
  cache: Cache,
  key: string,
  request: RequestView,
  filled: CacheEntry,
): Promise<CacheEntry | undefined> {
  // Read by the engine, not by lookup(): its metadata has not been checked yet.
  if (!hasResponseMeta(filled)) return undefined
  const entry = isMarker(filled) ? await lookup(cache, key, request, cache.now()) : filled
  return entry !== undefined && !isMarker(entry) && sameVariant(entry, request) ? entry : undefined
}
