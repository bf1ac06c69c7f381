// Strong validators for stored responses, and If-None-Match evaluation (RFC 9110 §8.8.3, §13.1.2).
import { createHash } from 'node:crypto'

/** A strong ETag over what distinguishes one stored variant from another, computed once per fill. */
export function computeEtag(status: number, variant: string, contentEncoding: string, body: Uint8Array): string {
  const hash = createHash('sha1')
  hash.update(`${status}\n${contentEncoding}\n${variant}\n`)
  hash.update(body)
  return `"${hash.digest('base64url').slice(0, 27)}"`
}

/** True for a strong entity tag: quoted, without the `W/` prefix. */
export function isStrongEtag(value: string | undefined): value is string {
  return value !== undefined && /^"[\x21\x23-\x7e\x80-\xff]*"$/.test(value)
}

/**
 * True when `If-None-Match` matches `etag` under weak comparison, as RFC 9110 §13.1.2 requires
 * for this header: `*`, or any listed tag equal to it once `W/` is ignored.
 */
export function ifNoneMatchMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false
  if (header === etag) return true
  const trimmed = header.trim()
  if (trimmed === '*') return true
  const opaque = etag.startsWith('W/') ? etag.slice(2) : etag
  for (const part of trimmed.split(',')) {
    let tag = part.trim()
    if (tag.startsWith('W/')) tag = tag.slice(2)
    if (tag === opaque) return true
  }
  return false
}
