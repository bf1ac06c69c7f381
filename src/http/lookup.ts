// Finding a request's entry: the route key, then, when the stored response named `Vary`
// headers, the variant of this request behind the marker entry.
import type { Cache, FillPlan } from '../engine/cache.js'
import { pathTag } from '../engine/tags.js'
import type { CacheEntry, MaybePromise } from '../stores/store.js'
import { baseKey, variantOf } from './key.js'
import type { RequestView } from './request-view.js'
import type { RoutePlan } from './route-options.js'
import { isMarker, type ResponseMeta } from './stored-response.js'

/**
 * The key of a request on a route: the custom `key`, or host + path + sorted query, plus `vary`,
 * plus the forwarding headers the request carries (see `forwardedHeaders`).
 */
export function routeKey(route: RoutePlan, request: RequestView): string {
  const key = route.key === undefined ? baseKey(request) : route.key(request)
  if (typeof key !== 'string' || key === '')
    throw new TypeError('cachefront: the route key function must return a non-empty string')
  const keyed = route.vary.length === 0 ? key : key + variantOf(request, route.vary)
  return keyed + forwardedPart(request, route.forwardedHeaders)
}

/**
 * The forwarding headers present in the request, as `\n>name:value` lines (`>` keeps them apart
 * from `vary` lines). Absent ones add nothing, so requests without them keep their plain key.
 */
function forwardedPart(request: RequestView, names: readonly string[]): string {
  let part = ''
  for (const name of names) {
    const value = request.header(name)
    if (value === undefined) continue
    const keyed = name === 'forwarded' ? forwardedHostAndProto(value) : value
    if (keyed !== '') part += `\n>${name}:${keyed}`
  }
  return part
}

// Of RFC 7239 `Forwarded`, `host` and `proto` shape URLs; `for` and `by` are addresses that differ
// per client and would split the cache without protecting anything.
function forwardedHostAndProto(value: string): string {
  let kept = ''
  for (const element of value.split(',')) {
    for (const pair of element.split(';')) {
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq).trim().toLowerCase()
      if (eq !== -1 && (name === 'host' || name === 'proto')) kept += `${name}=${pair.slice(eq + 1).trim()};`
    }
    kept += ','
  }
  return /^,*$/.test(kept) ? '' : kept
}

export function variantKey(key: string, request: RequestView, varyOn: readonly string[]): string {
  return key + variantOf(request, varyOn)
}

/** The entry for this request, following a Vary marker to the request's own variant. */
export function lookup(
  cache: Cache,
  key: string,
  request: RequestView,
  now: number,
): MaybePromise<CacheEntry | undefined> {
  const found = cache.read(key, now)
  if (found instanceof Promise) return found.then((entry) => followMarker(cache, key, request, now, entry))
  return followMarker(cache, key, request, now, found)
}

function followMarker(
  cache: Cache,
  key: string,
  request: RequestView,
  now: number,
  entry: CacheEntry | undefined,
): MaybePromise<CacheEntry | undefined> {
  if (entry === undefined || !isMarker(entry)) return entry
  return cache.read(variantKey(key, request, (entry.meta as ResponseMeta).varyOn), now)
}

/** True when an entry filled for another request may answer this one (same Vary values). */
export function sameVariant(entry: CacheEntry, request: RequestView): boolean {
  const meta = entry.meta as ResponseMeta
  return meta.varyOn.length === 0 || variantOf(request, meta.varyOn) === meta.variant
}

/** The fill plan of a request: the route's durations and tags, plus its path's implicit tag. */
export function fillPlan(route: RoutePlan, request: RequestView): FillPlan {
  const routeTags = typeof route.tags === 'function' ? route.tags(request) : route.tags
  if (!Array.isArray(routeTags) || !routeTags.every((tag) => typeof tag === 'string')) {
    throw new TypeError('cachefront: the route tags function must return an array of strings')
  }
  return {
    ttl: route.ttl,
    staleWhileRevalidate: route.staleWhileRevalidate,
    staleIfError: route.staleIfError,
    tags: [...routeTags, pathTag(request.path)],
  }
}
