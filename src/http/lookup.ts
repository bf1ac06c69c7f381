// Finding a request's entry: the route key, then, when the stored response named `Vary`
// headers, the variant of this request behind the marker entry.
import type { Cache, FillPlan } from '../engine/cache.js'
import { pathTag } from '../engine/tags.js'
import { CacheError } from '../errors.js'
import type { CacheEntry, MaybePromise } from '../stores/store.js'
import { baseKey, variantOf } from './key.js'
import { ANY_HEADERS, HeaderGroup } from './header-scan.js'
import type { RequestView, RoutedRequestView } from './request-view.js'
import type { RoutePlan } from './route-options.js'
import { hasResponseMeta } from './meta-check.js'
import { isMarker, type ResponseMeta } from './stored-response.js'

/**
 * The key of a request on a route: the custom `key`, or scheme (unless http) + host + path +
 * sorted query, plus `vary`, plus the forwarding headers the request carries (see `forwardedHeaders`).
 */
export function routeKey(route: RoutePlan, request: RequestView, present: number = ANY_HEADERS): string {
  const key = route.key === undefined ? baseKey(request) : route.key(request)
  if (typeof key !== 'string' || key === '')
    throw new TypeError('cachefront: the route key function must return a non-empty string')
  const keyed = route.vary.length === 0 ? key : key + variantOf(request, route.vary)
  return (present & HeaderGroup.Forwarded) === 0 ? keyed : keyed + forwardedPart(request, route.forwardedHeaders)
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
  found: CacheEntry | undefined,
): MaybePromise<CacheEntry | undefined> {
  const entry = trusted(cache, key, found)
  if (entry === undefined || !isMarker(entry)) return entry
  const at = variantKey(key, request, (entry.meta as ResponseMeta).varyOn)
  const variant = cache.read(at, now)
  if (variant instanceof Promise) return variant.then((value) => refuseMarker(cache, at, value))
  return refuseMarker(cache, at, variant)
}

// A variant key holds a response; a marker there would send the lookup round in circles.
function refuseMarker(cache: Cache, key: string, found: CacheEntry | undefined): CacheEntry | undefined {
  const entry = trusted(cache, key, found)
  return entry !== undefined && isMarker(entry) ? discard(cache, key) : entry
}

/** The entry when its metadata is a response of ours; otherwise a miss, reported and deleted. */
function trusted(cache: Cache, key: string, entry: CacheEntry | undefined): CacheEntry | undefined {
  return entry === undefined || hasResponseMeta(entry) ? entry : discard(cache, key)
}

function discard(cache: Cache, key: string): undefined {
  cache.reportError(
    new CacheError('E_BAD_STORE_DATA', `cachefront: ${cache.store.name} store returned a malformed response entry`),
  )
  try {
    const deleting = cache.store.delete(key)
    if (deleting instanceof Promise) deleting.catch(() => undefined)
  } catch {
    // The store is failing as well: the entry stays a miss on every read until it expires.
  }
  return undefined
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
    tags: pathTags(routeTags, request),
  }
}

function pathTags(routeTags: readonly string[], request: RequestView): string[] {
  const tags = [...routeTags, pathTag(request.path)]
  const routed = (request as RoutedRequestView).routedPath
  if (routed !== undefined && routed !== request.path) tags.push(pathTag(routed))
  return tags
}
