// RFC 9211 Cache-Status values. Fixed strings are built once; only `ttl` varies per hit.

const NAME = 'cachefront'

export const CACHE_STATUS_HEADER = 'cache-status'

// Hits ask for the same few values over and over (one per entry per second): each is built once,
// and an answer's headers can be reused while its Cache-Status is the very same string.
const hitStatuses = new Map<number, string>()
const MAX_REMEMBERED = 4096

/** A fresh hit. */
export function hitStatus(ttlSeconds: number): string {
  let value = hitStatuses.get(ttlSeconds)
  if (value === undefined) {
    if (hitStatuses.size >= MAX_REMEMBERED) hitStatuses.clear()
    value = `${NAME}; hit; ttl=${ttlSeconds}`
    hitStatuses.set(ttlSeconds, value)
  }
  return value
}

/** A stale entry served while a background refresh runs (stale-while-revalidate). */
export function staleHitStatus(ttlSeconds: number): string {
  return `${NAME}; hit; ttl=${ttlSeconds}; detail=stale-while-revalidate`
}

/**
 * A response that went to the origin. `fwd` is why (RFC 9211 §2.2): `miss`, `stale` (an
 * expired entry existed), `request` (the client asked), `method`, `bypass`. `detail` says why
 * the response was not stored, when it was not.
 */
export function forwardStatus(fwd: string, stored: boolean, detail?: string, fwdStatus?: number): string {
  let value = `${NAME}; fwd=${fwd}`
  if (fwdStatus !== undefined) value += `; fwd-status=${fwdStatus}`
  if (stored) value += '; stored'
  if (detail !== undefined) value += `; detail=${detail}`
  return value
}

/** A request that waited for another request's fill and got its response (RFC 9211 `collapsed`). */
export const COLLAPSED_STATUS = `${NAME}; fwd=miss; collapsed`

/** A stale entry served because the origin failed (stale-if-error). */
export function staleOnErrorStatus(fwdStatus: number | undefined): string {
  return fwdStatus === undefined
    ? `${NAME}; fwd=stale; detail=stale-if-error`
    : `${NAME}; fwd=stale; fwd-status=${fwdStatus}; detail=stale-if-error`
}
