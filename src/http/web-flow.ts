// The request flow for adapters whose framework speaks Web Request/Response (Hono, fetch): the
// shared flow decides (request-flow.ts); this runs the origin and turns entries into Responses.
import { CacheError } from '../errors.js'
import type { CacheEntry, MaybePromise } from '../stores/store.js'
import { collectBody } from './body.js'
import { CACHE_STATUS_HEADER } from './cache-status.js'
import type { NodeHeaders } from './node-headers.js'
import { entryHead } from './entry-head.js'
import { ANY_HEADERS } from './header-scan.js'
import { bodilessResponse } from './bodiless-response.js'
import type { RequestView } from './request-view.js'
import { startRequest, type OriginFill, type RequestStart } from './request-flow.js'
import type { RoutePlan } from './route-options.js'

/**
 * How the adapter runs the rest of the route. Methods, so that one object per request (often the
 * request view itself) serves, rather than a closure per request that a hit never calls.
 */
export interface WebHandler {
  /** Runs the handler for the current request; called at most once per request. */
  origin(): Promise<Response>
  /** Runs it again in the background after a stale response was served (SWR), for the cache only. */
  refresh(): Promise<Response>
}

/**
 * Answers `request` on `route` through `handler`. `present`: the request's header groups
 * (header-scan.ts), when the adapter can list its headers.
 */
export function handleWebRequest(
  route: RoutePlan,
  request: RequestView,
  handler: WebHandler,
  present: number = ANY_HEADERS,
): Response | Promise<Response> {
  const start = startRequest(route, request, present, runRefresh, handler)
  if (start instanceof Promise) return start.then((decided) => act(route, request, decided, handler))
  return act(route, request, start, handler)
}

function act(route: RoutePlan, request: RequestView, start: RequestStart, handler: WebHandler): MaybePromise<Response> {
  if (start.kind === 'serve') return serveEntry(start.entry, request, start.cacheStatus, start.now)
  if (start.kind === 'forward') return forwardOnly(handler, start.cacheStatus)
  return runFill(route, request, start.fill, () => handler.origin())
}

/**
 * Builds the response for a stored entry: 304 when If-None-Match matches, no body for HEAD.
 * `Age` is left off a response the origin just produced for this very request (RFC 9111 §5.1).
 */
export function serveEntry(
  entry: CacheEntry,
  request: RequestView,
  cacheStatus: string,
  now: number,
  fromStore = true,
): Response {
  // A plain object, not pairs: runtimes with a fast path for Response (@hono/node-server) hand it
  // to writeHead as it is, where pairs or a Headers would be converted on every hit.
  const head = entryHead(entry, request, cacheStatus, now, fromStore)
  if (head.notModified || request.method === 'HEAD' || nullBodyStatus(head.status))
    return bodilessResponse(head.status, head.headers)
  return new Response(head.ready.body as Uint8Array<ArrayBuffer>, { status: head.status, headers: head.headers })
}

async function runFill(
  route: RoutePlan,
  request: RequestView,
  fill: OriginFill,
  origin: () => Promise<Response>,
): Promise<Response> {
  let response: Response
  try {
    response = await origin()
  } catch (error) {
    const stale = fill.fail()
    if (stale === undefined) throw error
    return serveEntry(stale.entry, request, stale.cacheStatus, route.cache.now())
  }
  try {
    return await answerFromOrigin(route, request, fill, response)
  } catch (error) {
    // Whatever failed, the fill is let go so that its waiters ask the origin themselves rather than
    // wait for the lock to time out (a no-op when it was settled already).
    fill.abandon()
    throw error
  }
}

async function answerFromOrigin(
  route: RoutePlan,
  request: RequestView,
  fill: OriginFill,
  response: Response,
): Promise<Response> {
  if (typeof response !== 'object' || response === null || typeof response.status !== 'number')
    throw new TypeError(`cachefront: the handler must resolve to a Response, got ${describe(response)}`)
  const verdict = fill.head(response.status, webHeaders(response.headers))
  if (verdict.kind === 'stale') {
    void response.body?.cancel().catch(() => undefined)
    return serveEntry(verdict.answer.entry, request, verdict.answer.cacheStatus, route.cache.now())
  }
  if (verdict.kind === 'pass') return withCacheStatus(response, verdict.cacheStatus)
  let collected
  try {
    collected = await collectBody(response.body, route.maxBodyBytes)
  } catch (error) {
    fill.abandon()
    throw error
  }
  if (!collected.complete) {
    const headers = new Headers(response.headers)
    headers.set(CACHE_STATUS_HEADER, fill.tooLarge())
    return new Response(collected.stream, { status: response.status, statusText: response.statusText, headers })
  }
  const stored = fill.complete(collected.bytes)
  if (stored === undefined)
    return new Response(nullBodyStatus(response.status) ? null : (collected.bytes as Uint8Array<ArrayBuffer>), response)
  return serveEntry(stored.entry, request, stored.cacheStatus, route.cache.now(), false)
}

function describe(value: unknown): string {
  return value === null ? 'null' : typeof value
}

// Statuses a Web Response must have no body for (Fetch standard): a stored 204 is answered so.
function nullBodyStatus(status: number): boolean {
  return status === 204 || status === 205 || status === 304
}

// A background refresh: the same fill steps, with a response that goes nowhere but the cache.
function runRefresh(fill: OriginFill, handler: WebHandler, route: RoutePlan, request: RequestView): void {
  runFill(route, request, fill, () => handler.refresh())
    .then((response) => response.body?.cancel())
    .catch((error: unknown) => {
      fill.abandon()
      route.cache.reportError(
        new CacheError('E_REFRESH_FAILED', 'cachefront: a background refresh failed', { cause: error }),
      )
    })
}

async function forwardOnly(handler: WebHandler, cacheStatus: string): Promise<Response> {
  return withCacheStatus(await handler.origin(), cacheStatus)
}

/** Adds Cache-Status to an origin response, copying it when its headers are immutable. */
export function withCacheStatus(response: Response, cacheStatus: string): Response {
  try {
    response.headers.set(CACHE_STATUS_HEADER, cacheStatus)
    return response
  } catch {
    const copy = new Response(response.body, response)
    copy.headers.set(CACHE_STATUS_HEADER, cacheStatus)
    return copy
  }
}

/** A Web response's headers as the shared flow reads them: names lower case, Set-Cookie a list. */
function webHeaders(headers: Headers): NodeHeaders {
  const record: Record<string, string | string[]> = {}
  for (const [name, value] of headers) if (name !== 'set-cookie') record[name] = value
  const cookies = headers.getSetCookie()
  if (cookies.length > 0) record['set-cookie'] = cookies
  return record
}
