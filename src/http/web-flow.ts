// The request flow for adapters whose framework speaks Web Request/Response (Hono, fetch):
// bypass, lookup, serve (fresh, stale-while-revalidate), or fill under single-flight.
import { WAIT_TIMED_OUT, type Cache, type Fill, type FillPlan } from '../engine/cache.js'
import { EntryState, ageSeconds, entryState, ttlSeconds, usableOnError } from '../engine/freshness.js'
import { CacheError } from '../errors.js'
import type { CacheEntry } from '../stores/store.js'
import { collectBody } from './body.js'
import {
  CACHE_STATUS_HEADER,
  COLLAPSED_STATUS,
  forwardStatus,
  hitStatus,
  staleHitStatus,
  staleOnErrorStatus,
} from './cache-status.js'
import { commitResponse } from './commit.js'
import { usableFilledEntry } from './filled-entry.js'
import { ifNoneMatchMatches } from './etag.js'
import { fillPlan, lookup, routeKey, sameVariant } from './lookup.js'
import { abandonReason, clientForcesRefresh, requestBypass, responseNotStored, type ResponseFacts } from './policy.js'
import type { RequestView } from './request-view.js'
import type { RoutePlan } from './route-options.js'
import { prepare } from './stored-response.js'

/** Runs the origin (the handler) for the current request; called at most once per request. */
export type WebOrigin = () => Promise<Response>

/**
 * Answers `request` on `route`. `origin` runs the handler for this request; `refresh`, when
 * given, runs it again in the background after a stale response was served (for SWR).
 */
export function handleWebRequest(
  route: RoutePlan,
  request: RequestView,
  origin: WebOrigin,
  refresh: WebOrigin | undefined,
): Response | Promise<Response> {
  const bypass = requestBypass(route, request)
  if (bypass !== undefined)
    return forwardOnly(
      origin,
      forwardStatus(bypass === 'method' ? 'method' : 'bypass', false, bypass === 'method' ? undefined : bypass),
    )
  const cache = route.cache
  let key: string
  try {
    key = routeKey(route, request)
  } catch (error) {
    cache.reportError(new CacheError('E_BAD_OPTION', 'cachefront: the route key function failed', { cause: error }))
    return forwardOnly(origin, forwardStatus('bypass', false, 'key-error'))
  }
  if (clientForcesRefresh(route, request)) return fill(route, cache, key, request, undefined, origin, 'request')
  const now = cache.now()
  const found = lookup(cache, key, request, now)
  if (found instanceof Promise)
    return found.then((entry) => answer(route, cache, key, request, now, entry, origin, refresh))
  return answer(route, cache, key, request, now, found, origin, refresh)
}

function answer(
  route: RoutePlan,
  cache: Cache,
  key: string,
  request: RequestView,
  now: number,
  entry: CacheEntry | undefined,
  origin: WebOrigin,
  refresh: WebOrigin | undefined,
): Response | Promise<Response> {
  if (entry !== undefined) {
    const state = entryState(entry, now)
    if (state === EntryState.Fresh) {
      cache.record('hit')
      return serveEntry(entry, request, hitStatus(ttlSeconds(entry, now)), now)
    }
    if (state === EntryState.Stale) {
      cache.record('stale')
      if (refresh !== undefined && cache.inflight(key) === undefined)
        backgroundRefresh(route, cache, key, request, refresh)
      return serveEntry(entry, request, staleHitStatus(ttlSeconds(entry, now)), now)
    }
  }
  return fill(route, cache, key, request, entry, origin, entry === undefined ? 'miss' : 'stale')
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
  const ready = prepare(entry)
  const notModified = ifNoneMatchMatches(request.header('if-none-match'), ready.etag)
  // A plain object, not pairs: runtimes with a fast path for Response (@hono/node-server) hand it
  // to writeHead as it is, where pairs or a Headers would be converted on every hit.
  // Both records end with empty `age` and `cache-status` slots (see stored-response.ts).
  const headers: Record<string, string> = notModified ? { ...ready.notModifiedRecord } : { ...ready.record }
  if (fromStore) headers['age'] = String(ageSeconds(entry, now))
  else delete headers['age']
  headers[CACHE_STATUS_HEADER] = cacheStatus
  if (notModified) return new Response(null, { status: 304, headers })
  const body = request.method === 'HEAD' ? null : (ready.body as Uint8Array<ArrayBuffer>)
  return new Response(body, { status: ready.status, headers })
}

async function fill(
  route: RoutePlan,
  cache: Cache,
  key: string,
  request: RequestView,
  stale: CacheEntry | undefined,
  origin: WebOrigin,
  fwd: 'miss' | 'stale' | 'request',
): Promise<Response> {
  let shared = true
  const running = fwd === 'request' ? undefined : cache.inflight(key)
  if (running !== undefined) {
    cache.record('coalesced')
    const result = await cache.wait(running)
    if (result !== WAIT_TIMED_OUT && result !== undefined && sameVariant(result, request)) {
      return serveEntry(result, request, COLLAPSED_STATUS, cache.now())
    }
    if (result === undefined && running.failed && stale !== undefined && usableOnError(stale, cache.now())) {
      cache.record('stale')
      return serveEntry(stale, request, staleOnErrorStatus(undefined), cache.now())
    }
    // The leader's answer was private to it, or it hangs: ask the origin without leading a flight.
    shared = false
  }
  cache.record('miss')
  // HEAD and Range answers lack the body or part of it: forward them, never store them.
  if (request.method === 'HEAD' || request.header('range') !== undefined) {
    return forwardOnly(origin, forwardStatus(fwd, false, request.method === 'HEAD' ? 'head' : 'range'))
  }
  let plan: FillPlan
  try {
    plan = fillPlan(route, request)
  } catch (error) {
    cache.reportError(new CacheError('E_BAD_OPTION', 'cachefront: the route tags function failed', { cause: error }))
    return forwardOnly(origin, forwardStatus(fwd, false, 'tags-error'))
  }
  let leader = cache.beginFill(key, plan, shared)
  const ready = leader.ready instanceof Promise ? await leader.ready : leader.ready
  if (ready !== undefined) {
    const filled = await usableFilledEntry(cache, key, request, ready)
    if (filled !== undefined) return serveEntry(filled, request, COLLAPSED_STATUS, cache.now())
    // Another process filled a different variant: ask the origin for this one, leading no flight.
    leader = cache.beginFill(key, plan, false)
    if (leader.ready instanceof Promise) await leader.ready
  }

  let response: Response
  try {
    response = await origin()
  } catch (error) {
    leader.abandon('failed')
    if (stale !== undefined && usableOnError(stale, cache.now())) {
      cache.record('stale')
      return serveEntry(stale, request, staleOnErrorStatus(undefined), cache.now())
    }
    throw error
  }
  if (response.status >= 500 && stale !== undefined && usableOnError(stale, cache.now())) {
    leader.abandon('failed')
    void response.body?.cancel().catch(() => undefined)
    cache.record('stale')
    return serveEntry(stale, request, staleOnErrorStatus(response.status), cache.now())
  }
  return storeAndServe(route, cache, leader, key, plan, request, response, fwd)
}

async function storeAndServe(
  route: RoutePlan,
  cache: Cache,
  leader: Fill,
  key: string,
  plan: FillPlan,
  request: RequestView,
  response: Response,
  fwd: string,
): Promise<Response> {
  const notStored = responseNotStored(route, webFacts(response))
  if (notStored !== undefined) {
    leader.abandon(abandonReason(notStored, response.status))
    return withCacheStatus(response, forwardStatus(fwd, false, notStored))
  }
  let collected
  try {
    collected = await collectBody(response.body, route.maxBodyBytes)
  } catch (error) {
    leader.abandon('failed')
    throw error
  }
  if (!collected.complete) {
    leader.abandon('uncacheable')
    const headers = new Headers(response.headers)
    headers.set(CACHE_STATUS_HEADER, forwardStatus(fwd, false, 'too-large'))
    return new Response(collected.stream, { status: response.status, statusText: response.statusText, headers })
  }
  const entry = commitResponse(
    cache,
    leader,
    key,
    plan,
    route,
    request,
    response.status,
    response.headers,
    response.headers.get('vary') ?? undefined,
    collected.bytes,
  )
  return serveEntry(entry, request, forwardStatus(fwd, true), cache.now(), false)
}

function backgroundRefresh(
  route: RoutePlan,
  cache: Cache,
  key: string,
  request: RequestView,
  refresh: WebOrigin,
): void {
  let plan: FillPlan
  try {
    plan = fillPlan(route, request)
  } catch {
    return
  }
  const leader = cache.beginFill(key, plan, true)
  const run = async (): Promise<void> => {
    const ready = leader.ready instanceof Promise ? await leader.ready : leader.ready
    if (ready !== undefined) return
    const response = await refresh()
    // A refresh that fails keeps the stale entry; it is not replaced by an error.
    if (response.status >= 500) {
      leader.abandon('failed')
      void response.body?.cancel().catch(() => undefined)
      return
    }
    const served = await storeAndServe(route, cache, leader, key, plan, request, response, 'stale')
    void served.body?.cancel().catch(() => undefined)
  }
  run().catch((error: unknown) => {
    leader.abandon('failed')
    cache.reportError(new CacheError('E_REFRESH_FAILED', 'cachefront: a background refresh failed', { cause: error }))
  })
}

async function forwardOnly(origin: WebOrigin, cacheStatus: string): Promise<Response> {
  return withCacheStatus(await origin(), cacheStatus)
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

function webFacts(response: Response): ResponseFacts {
  const headers = response.headers
  return {
    status: response.status,
    header: (name) => headers.get(name) ?? undefined,
    hasSetCookie: headers.has('set-cookie'),
  }
}
