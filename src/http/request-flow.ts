// The request flow every adapter shares: bypass, key, lookup, serve (fresh, stale-while-
// revalidate), or fill under single-flight; split where the handler runs, for the adapter to run it.
import { WAIT_TIMED_OUT, type Cache, type Fill, type FillPlan } from '../engine/cache.js'
import { EntryState, entryState, ttlSeconds, usableOnError } from '../engine/freshness.js'
import { CacheError } from '../errors.js'
import type { CacheEntry, EntryMeta, MaybePromise } from '../stores/store.js'
import { COLLAPSED_STATUS, forwardStatus, hitStatus, staleHitStatus, staleOnErrorStatus } from './cache-status.js'
import { responseCommit, type ResponseCommit } from './commit.js'
import { usableFilledEntry } from './filled-entry.js'
import { fillPlan, lookup, routeKey, sameVariant } from './lookup.js'
import { nodeFacts, nodeHeaderPairs, storedVary, type NodeHeaders } from './node-headers.js'
import { abandonReason, clientForcesRefresh, requestBypass, responseNotStored } from './policy.js'
import type { RequestView } from './request-view.js'
import type { RoutePlan } from './route-options.js'

/** What to do with a request before its handler runs. */
export type RequestStart =
  /**
   * Answer with this entry; the handler does not run. `now`: the instant its freshness was judged
   * at, for its Age too (Age and Cache-Status's ttl agree, and a hit reads the clock once).
   */
  | { readonly kind: 'serve'; readonly entry: CacheEntry; readonly cacheStatus: string; readonly now: number }
  /** Run the handler, add this Cache-Status, store nothing. */
  | { readonly kind: 'forward'; readonly cacheStatus: string }
  /** Run the handler and report what it writes to `fill`. */
  | { readonly kind: 'fill'; readonly fill: OriginFill }

/** An entry to answer with in place of what the handler wrote. */
export interface StoredAnswer {
  readonly entry: CacheEntry
  readonly cacheStatus: string
}

/** What to do with the body, decided once the final status and headers are known. */
export type HeadVerdict =
  | { readonly kind: 'buffer' }
  | { readonly kind: 'pass'; readonly cacheStatus: string }
  | { readonly kind: 'stale'; readonly answer: StoredAnswer }

/**
 * One handler run whose response may be stored. Exactly one of `complete`, `tooLarge` or
 * `abandon` settles the fill (after `head`); later calls are no-ops, so `abandon` is always safe.
 */
export interface OriginFill {
  /** The final status and headers, at the moment they would be written. */
  head(status: number, headers: NodeHeaders): HeadVerdict
  /**
   * The whole body, within `maxBodyBytes`, after `head` said `buffer`: stores it. `undefined` when
   * the fill was already let go (the client left while the body was still coming): nothing is
   * stored, and the caller sends the body as it is.
   */
  complete(body: Uint8Array): StoredAnswer | undefined
  /**
   * As `complete`, where the head goes out through layers that may still add headers as it is
   * written (Express: a session's Set-Cookie added in a writeHead wrapper). `sendHead` writes the
   * head of the answer the stored entry would give, and returns the headers finally sent; the entry
   * is stored only if those still allow it. `notStoredStatus` tells, for headers, the Cache-Status
   * of an answer they keep from being stored (undefined while they allow it).
   */
  completeAfterHead(
    body: Uint8Array,
    sendHead: (answer: StoredAnswer, notStoredStatus: (headers: NodeHeaders) => string | undefined) => NodeHeaders,
  ): StoredAnswer | undefined
  /** The body outgrew `maxBodyBytes`: nothing is stored. Returns the Cache-Status to send. */
  tooLarge(): string
  /**
   * The handler threw: its stale entry when stale-if-error allows one (serve it), otherwise
   * `undefined` (pass the error on). Settles the fill either way.
   */
  fail(): StoredAnswer | undefined
  /** The response ended some other way (client gone, handler never answered). */
  abandon(): void
}

/**
 * Runs the handler again in the background for a stale entry of `request`, reporting to `fill`.
 * `target` is the per-request object the adapter gave `startRequest`: one function serves every
 * request, where a closure per request would be built on every hit and called on few.
 */
export type BackgroundRefresh<T> = (fill: OriginFill, target: T, route: RoutePlan, request: RequestView) => void

/**
 * Decides how `request` on `route` is answered; synchronous on a memory-store hit. `present`: the
 * header groups the request has, from `scanNodeHeaders` where the adapter can list them.
 * A stale entry served under stale-while-revalidate calls `refresh(fill, target)`.
 */
export function startRequest<T>(
  route: RoutePlan,
  request: RequestView,
  present: number,
  refresh: BackgroundRefresh<T>,
  target: T,
): MaybePromise<RequestStart> {
  const bypass = requestBypass(route, request, present)
  if (bypass !== undefined) {
    const method = bypass === 'method'
    return {
      kind: 'forward',
      cacheStatus: forwardStatus(method ? 'method' : 'bypass', false, method ? undefined : bypass),
    }
  }
  const cache = route.cache
  let key: string
  try {
    key = routeKey(route, request, present)
  } catch (error) {
    cache.reportError(new CacheError('E_BAD_OPTION', 'cachefront: the route key function failed', { cause: error }))
    return { kind: 'forward', cacheStatus: forwardStatus('bypass', false, 'key-error') }
  }
  if (clientForcesRefresh(route, request, present)) return miss(route, cache, key, request, undefined, 'request')
  const now = cache.now()
  const found = lookup(cache, key, request, now)
  if (found instanceof Promise)
    return found.then((entry) => answer(route, cache, key, request, now, entry, refresh, target))
  return answer(route, cache, key, request, now, found, refresh, target)
}

function answer<T>(
  route: RoutePlan,
  cache: Cache,
  key: string,
  request: RequestView,
  now: number,
  entry: CacheEntry | undefined,
  refresh: BackgroundRefresh<T>,
  target: T,
): MaybePromise<RequestStart> {
  if (entry !== undefined) {
    const state = entryState(entry, now)
    if (state === EntryState.Fresh) {
      cache.record('hit')
      return { kind: 'serve', entry, cacheStatus: hitStatus(ttlSeconds(entry, now)), now }
    }
    if (state === EntryState.Stale) {
      cache.record('stale')
      if (cache.inflight(key) === undefined) backgroundRefresh(route, cache, key, request, refresh, target)
      return { kind: 'serve', entry, cacheStatus: staleHitStatus(ttlSeconds(entry, now)), now }
    }
  }
  return miss(route, cache, key, request, entry, entry === undefined ? 'miss' : 'stale')
}

async function miss(
  route: RoutePlan,
  cache: Cache,
  key: string,
  request: RequestView,
  stale: CacheEntry | undefined,
  fwd: 'miss' | 'stale' | 'request',
): Promise<RequestStart> {
  let shared = true
  const running = fwd === 'request' ? undefined : cache.inflight(key)
  if (running !== undefined) {
    cache.record('coalesced')
    const result = await cache.wait(running)
    if (result !== WAIT_TIMED_OUT && result !== undefined && sameVariant(result, request)) {
      return { kind: 'serve', entry: result, cacheStatus: COLLAPSED_STATUS, now: cache.now() }
    }
    if (result === undefined && running.failed && stale !== undefined && usableOnError(stale, cache.now())) {
      cache.record('stale')
      return { kind: 'serve', entry: stale, cacheStatus: staleOnErrorStatus(undefined), now: cache.now() }
    }
    // The leader's answer was private to it, or it hangs: ask the origin without leading a flight.
    shared = false
  }
  cache.record('miss')
  // HEAD and Range answers lack the body or part of it: forward them, never store them. A stale
  // entry still stands in for an origin that fails, as it does for a GET.
  if (request.method === 'HEAD' || request.header('range') !== undefined) {
    const detail = request.method === 'HEAD' ? 'head' : 'range'
    if (stale !== undefined && usableOnError(stale, cache.now()))
      return { kind: 'fill', fill: forwardFill(cache, stale, forwardStatus(fwd, false, detail)) }
    return { kind: 'forward', cacheStatus: forwardStatus(fwd, false, detail) }
  }
  let plan: FillPlan
  try {
    plan = fillPlan(route, request)
  } catch (error) {
    cache.reportError(new CacheError('E_BAD_OPTION', 'cachefront: the route tags function failed', { cause: error }))
    return { kind: 'forward', cacheStatus: forwardStatus(fwd, false, 'tags-error') }
  }
  let leader = cache.beginFill(key, plan, shared)
  const ready = leader.ready instanceof Promise ? await leader.ready : leader.ready
  if (ready !== undefined) {
    const filled = await usableFilledEntry(cache, key, request, ready)
    if (filled !== undefined) return { kind: 'serve', entry: filled, cacheStatus: COLLAPSED_STATUS, now: cache.now() }
    // Another process filled a different variant: ask the origin for this one, leading no flight.
    leader = cache.beginFill(key, plan, false)
    if (leader.ready instanceof Promise) await leader.ready
  }
  return { kind: 'fill', fill: originFill(route, cache, leader, key, plan, request, stale, fwd, false) }
}

/**
 * A forwarded request (HEAD, Range) with a stale entry that stale-if-error allows: the origin's
 * answer passes through and is never stored, unless the origin throws or answers 5xx, when the
 * stale entry is served instead.
 */
function forwardFill(cache: Cache, stale: CacheEntry, cacheStatus: string): OriginFill {
  return {
    head(status) {
      const answer = status >= 500 ? staleOnError(cache, stale, status) : undefined
      return answer === undefined ? { kind: 'pass', cacheStatus } : { kind: 'stale', answer }
    },
    complete: () => undefined,
    completeAfterHead: () => undefined,
    tooLarge: () => cacheStatus,
    fail: () => staleOnError(cache, stale, undefined),
    abandon() {},
  }
}

/**
 * The stale entry as the answer to an origin that failed (`status`: the 5xx it answered, if it
 * answered), when stale-if-error still allows it.
 */
function staleOnError(
  cache: Cache,
  stale: CacheEntry | undefined,
  status: number | undefined,
): StoredAnswer | undefined {
  if (stale === undefined || !usableOnError(stale, cache.now())) return undefined
  cache.record('stale')
  return { entry: stale, cacheStatus: staleOnErrorStatus(status) }
}

/** The entry a fill would store now: what its answer is built from before it is stored. */
function provisionalEntry(now: number, plan: FillPlan, meta: EntryMeta, body: Uint8Array): CacheEntry {
  return {
    storedAt: now,
    freshUntil: now + plan.ttl,
    staleUntil: now + plan.ttl + plan.staleWhileRevalidate,
    errorUntil: now + plan.ttl + plan.staleIfError,
    tags: plan.tags,
    tagVersions: [],
    meta,
    body,
  }
}

function backgroundRefresh<T>(
  route: RoutePlan,
  cache: Cache,
  key: string,
  request: RequestView,
  refresh: BackgroundRefresh<T>,
  target: T,
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
    refresh(originFill(route, cache, leader, key, plan, request, undefined, 'stale', true), target, route, request)
  }
  run().catch((error: unknown) => {
    leader.abandon()
    cache.reportError(new CacheError('E_REFRESH_FAILED', 'cachefront: a background refresh failed', { cause: error }))
  })
}

function originFill(
  route: RoutePlan,
  cache: Cache,
  leader: Fill,
  key: string,
  plan: FillPlan,
  request: RequestView,
  stale: CacheEntry | undefined,
  fwd: string,
  background: boolean,
): OriginFill {
  let settled = false
  let status = 0
  let headers: NodeHeaders = {}
  const settle = (): boolean => {
    if (settled) return false
    settled = true
    return true
  }
  const pendingCommit = (body: Uint8Array): ResponseCommit =>
    responseCommit(
      cache,
      leader,
      key,
      plan,
      route,
      request,
      status,
      nodeHeaderPairs(headers),
      storedVary(headers),
      body,
    )
  return {
    head(finalStatus, finalHeaders) {
      status = finalStatus
      headers = finalHeaders
      if (settled) return { kind: 'pass', cacheStatus: forwardStatus(fwd, false) }
      if (status >= 500) {
        // A refresh that fails keeps the stale entry; a request serves it if stale-if-error allows.
        const answer = staleOnError(cache, stale, status)
        if (answer !== undefined) {
          settle()
          leader.abandon('failed')
          return { kind: 'stale', answer }
        }
        if (background) {
          settle()
          leader.abandon('failed')
          // Frameworks turn a handler's throw into a 5xx answer: either way the refresh failed, and
          // an origin that is down must not stay invisible while the stale entry is served.
          cache.reportError(new CacheError('E_REFRESH_FAILED', `cachefront: a background refresh got status ${status}`))
          return { kind: 'pass', cacheStatus: forwardStatus(fwd, false, 'status') }
        }
      }
      const notStored = responseNotStored(route, nodeFacts(status, headers))
      if (notStored === undefined) return { kind: 'buffer' }
      settle()
      leader.abandon(abandonReason(notStored, status))
      return { kind: 'pass', cacheStatus: forwardStatus(fwd, false, notStored) }
    },
    complete(body) {
      if (!settle()) return undefined
      return { entry: pendingCommit(body).commit(), cacheStatus: forwardStatus(fwd, true) }
    },
    completeAfterHead(body, sendHead) {
      if (!settle()) return undefined
      const pending = pendingCommit(body)
      const cacheStatus = forwardStatus(fwd, true)
      const notStoredStatus = (sent: NodeHeaders): string | undefined => {
        const notStored = responseNotStored(route, nodeFacts(status, sent))
        return notStored === undefined ? undefined : forwardStatus(fwd, false, notStored)
      }
      let sent: NodeHeaders
      try {
        sent = sendHead(
          { entry: provisionalEntry(cache.now(), plan, pending.meta, body), cacheStatus },
          notStoredStatus,
        )
      } catch (error) {
        // A layer on the way out threw (a writeHead wrapper, a bad header): nothing is stored, and
        // the key is let go at once rather than held from its waiters until lockTimeout.
        leader.abandon()
        throw error
      }
      const notStored = responseNotStored(route, nodeFacts(status, sent))
      if (notStored !== undefined) {
        leader.abandon(abandonReason(notStored, status))
        return undefined
      }
      return { entry: pending.commit(), cacheStatus }
    },
    tooLarge() {
      if (settle()) leader.abandon('uncacheable')
      return forwardStatus(fwd, false, 'too-large')
    },
    fail() {
      if (!settle()) return undefined
      leader.abandon('failed')
      return staleOnError(cache, stale, undefined)
    },
    abandon() {
      if (settle()) leader.abandon()
    },
  }
}
