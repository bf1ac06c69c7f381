// The status and headers of an answer from a stored entry, shared by the Web and Node adapters:
// 304 when If-None-Match matches (RFC 9110 §13.1.2), Age and Cache-Status filled in.
import { ageSeconds } from '../engine/freshness.js'
import type { CacheEntry } from '../stores/store.js'
import { CACHE_STATUS_HEADER } from './cache-status.js'
import { ifNoneMatchMatches } from './etag.js'
import type { RequestView } from './request-view.js'
import { prepare, type AnswerMemo, type PreparedResponse } from './stored-response.js'

export interface EntryHead {
  readonly status: number
  /**
   * Shared by the answers of one entry in the same second: hand it to the framework (which copies
   * or only reads it), never change it.
   */
  readonly headers: Readonly<Record<string, string>>
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
  const status = notModified ? 304 : ready.status
  if (!withAge) {
    // Once per fill, not per hit: no memo.
    const headers: Record<string, string> = notModified ? { ...ready.notModifiedRecord } : { ...ready.record }
    delete headers['age']
    headers[CACHE_STATUS_HEADER] = cacheStatus
    return { status, headers, notModified, ready }
  }
  // Hits of one entry within a second share Age and Cache-Status (whose ttl is whole seconds
  // too): they share one headers object rather than copying the record per hit.
  const age = ageSeconds(entry, now)
  const memo = notModified ? ready.lastNotModified : ready.lastAnswer
  if (memo !== undefined && memo.age === age && memo.cacheStatus === cacheStatus)
    return { status, headers: memo.headers, notModified, ready }
  // Both records end with empty `age` and `cache-status` slots (see stored-response.ts): filling
  // slots of a copy keeps it fast, adding properties would not.
  const headers: Record<string, string> = notModified ? { ...ready.notModifiedRecord } : { ...ready.record }
  headers['age'] = String(age)
  headers[CACHE_STATUS_HEADER] = cacheStatus
  const next: AnswerMemo = { age, cacheStatus, headers }
  if (notModified) ready.lastNotModified = next
  else ready.lastAnswer = next
  return { status, headers, notModified, ready }
}
