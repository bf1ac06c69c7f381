// The status and headers of an answer from a stored entry, shared by the Web and Node adapters:
// 304 when If-None-Match matches (RFC 9110 §13.1.2), Age and Cache-Status filled in.
import { ageSeconds } from '../engine/freshness.js'
import type { CacheEntry } from '../stores/store.js'
import { CACHE_STATUS_HEADER } from './cache-status.js'
import { ifNoneMatchMatches } from './etag.js'
import type { RequestView } from './request-view.js'
import { prepare, type PreparedResponse } from './stored-response.js'

export interface EntryHead {
  readonly status: number
  /** A fresh copy per answer; the caller may hand it to the framework as it is. */
  readonly headers: Record<string, string>
  /** True for a 304: the answer has no body. */
  readonly notModified: boolean
  readonly ready: PreparedResponse
}

/** `withAge: false` for a response the origin just produced for this very request (RFC 9111 §5.1). */
export function entryHead(
  entry: CacheEntry,
  request: RequestView,
  cacheStatus: string,
  now: number,
  withAge = true,
): EntryHead {
  const ready = prepare(entry)
  const notModified = ifNoneMatchMatches(request.header('if-none-match'), ready.etag)
  // Both records end with empty `age` and `cache-status` slots (see stored-response.ts): filling
  // slots of a copy keeps it fast, adding properties would not.
  const headers: Record<string, string> = notModified ? { ...ready.notModifiedRecord } : { ...ready.record }
  if (withAge) headers['age'] = String(ageSeconds(entry, now))
  else delete headers['age']
  headers[CACHE_STATUS_HEADER] = cacheStatus
  return { status: notModified ? 304 : ready.status, headers, notModified, ready }
}
