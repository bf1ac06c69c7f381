// What may be answered from the cache, and what may be stored: the safe defaults of RFC 9111
// for a shared cache, each with a route option to relax it.
import type { AbandonReason } from '../engine/fill.js'
import type { RoutePlan } from './route-options.js'
import type { RequestView } from './request-view.js'
import { parseVary } from './key.js'
import { ANY_HEADERS, HeaderGroup, METHOD_OVERRIDE_HEADERS } from './header-scan.js'

/** Why a request skips the cache entirely, or `undefined` when it may use it. */
export type BypassReason = 'method' | 'method-override' | 'body' | 'authorization' | 'cookie' | 'target'

/** `present`: the header groups the request has (header-scan.ts); unknown by default. */
export function requestBypass(
  route: RoutePlan,
  request: RequestView,
  present: number = ANY_HEADERS,
): BypassReason | undefined {
  const method = request.method
  if (method !== 'GET' && method !== 'HEAD') return 'method'
  if (!plainTarget(request.host, request.path)) return 'target'
  if ((present & HeaderGroup.Bypass) === 0) return undefined
  for (const name of METHOD_OVERRIDE_HEADERS) if (request.header(name) !== undefined) return 'method-override'
  // A GET body has no defined semantics (RFC 9110 §9.3.1) and is not part of the key, yet some
  // handlers read it (GraphQL, search APIs): its answer must not be stored for the bare URL.
  if (hasBody(request)) return 'body'
  // A shared cache must not reuse a response to an authorized request (RFC 9111 §3.5).
  if (!route.allowAuthorization && request.header('authorization') !== undefined) return 'authorization'
  if (!route.allowCookies && request.header('cookie') !== undefined) return 'cookie'
  return undefined
}

/**
 * Keys join host and path with nothing between them: they stay apart only while the host holds no
 * `/` and the path starts with one. A Host header of `app.test/a` on `/b` would otherwise key as
 * `/a/b` on app.test; an absolute-form target (`GET http://x/p`) reaches the handler as that text.
 * No line break either: keys name a scheme, `Vary` values and forwarding headers after one.
 */
function plainTarget(host: string, path: string): boolean {
  // indexOf (memchr), not a loop over the host's characters: ~800 instructions a hit (callgrind).
  return path.charCodeAt(0) === 47 && host.indexOf('/') === -1 && host.indexOf('\n') === -1
}

// A message has a body when it has Transfer-Encoding or a non-zero Content-Length (RFC 9112 §6.3).
function hasBody(request: RequestView): boolean {
  if (request.header('transfer-encoding') !== undefined) return true
  const length = request.header('content-length')
  return length !== undefined && !/^\s*0+\s*$/.test(length)
}

/** True when the client asked to skip stored responses, and the route lets it (RFC 9111 §5.2.1.4). */
export function clientForcesRefresh(route: RoutePlan, request: RequestView, present: number = ANY_HEADERS): boolean {
  if (!route.honorClientNoCache || (present & HeaderGroup.Refresh) === 0) return false
  const cacheControl = request.header('cache-control')
  if (cacheControl !== undefined && /(?:^|,)\s*(?:no-cache|no-store|max-age=0)\s*(?:,|$)/i.test(cacheControl))
    return true
  return cacheControl === undefined && /no-cache/i.test(request.header('pragma') ?? '')
}

/** Why a response must not be stored, or `undefined` when it may be. */
export type NotStoredReason =
  'status' | 'set-cookie' | 'no-store' | 'private' | 'no-cache' | 'vary' | 'too-large' | 'head' | 'range'

/** The parts of a response the storability rules read; header names lower case. */
export interface ResponseFacts {
  readonly status: number
  header(name: string): string | undefined
  readonly hasSetCookie: boolean
}

// Vary on these means one response per user: storing it would hold one copy per session.
const PER_USER_VARY = new Set(['*', 'cookie', 'authorization'])

/**
 * How a fill whose response was not stored ends: a 5xx is the origin failing (waiters with a stale
 * entry serve it); any other status says nothing about the next request (a 304 or 404 may be the
 * client's own); the other reasons belong to the resource, so its key stops coalescing for a while.
 */
export function abandonReason(reason: NotStoredReason, status: number): AbandonReason | undefined {
  if (reason === 'status') return status >= 500 ? 'failed' : undefined
  return 'uncacheable'
}

export function responseNotStored(route: RoutePlan, response: ResponseFacts): NotStoredReason | undefined {
  if (!route.statuses.has(response.status)) return 'status'
  if (response.hasSetCookie) return 'set-cookie'
  const cacheControl = response.header('cache-control')
  if (cacheControl !== undefined) {
    const directives = cacheControl.toLowerCase()
    if (/(?:^|[\s,])no-store(?:$|[\s,=])/.test(directives)) return 'no-store'
    if (/(?:^|[\s,])private(?:$|[\s,=])/.test(directives)) return 'private'
    if (/(?:^|[\s,])no-cache(?:$|[\s,=])/.test(directives)) return 'no-cache'
  }
  if (parseVary(response.header('vary')).some((name) => PER_USER_VARY.has(name))) return 'vary'
  const length = response.header('content-length')
  if (length !== undefined && Number(length) > route.maxBodyBytes) return 'too-large'
  return undefined
}
