// Storing an origin response that passed the policy: the entry under the request's key, or,
// when the response names `Vary` headers, a marker there and the entry under its variant key.
import type { Cache, Fill, FillPlan } from '../engine/cache.js'
import type { CacheEntry } from '../stores/store.js'
import { parseVary, variantOf } from './key.js'
import { variantKey } from './lookup.js'
import type { RequestView } from './request-view.js'
import type { RoutePlan } from './route-options.js'
import { markerMeta, responseMeta, type ResponseMeta } from './stored-response.js'

const EMPTY = new Uint8Array(0)

/** The meta an origin response would be stored with, and what stores it. */
export interface ResponseCommit {
  readonly meta: ResponseMeta
  commit(): CacheEntry
}

export function responseCommit(
  cache: Cache,
  fill: Fill,
  key: string,
  plan: FillPlan,
  route: RoutePlan,
  request: RequestView,
  status: number,
  headers: Iterable<readonly [string, string]>,
  varyHeader: string | undefined,
  body: Uint8Array,
): ResponseCommit {
  // Route `vary` headers are already part of `key`; only the others need a variant key.
  const varyOn = parseVary(varyHeader).filter((name) => !route.vary.includes(name))
  if (varyOn.length === 0) {
    const meta = responseMeta(status, headers, body, varyOn, '')
    return { meta, commit: () => fill.commit(meta, body) }
  }
  const variant = variantOf(request, varyOn)
  const meta = responseMeta(status, headers, body, varyOn, variant)
  return {
    meta,
    commit() {
      const marker = cache.beginFill(key, plan, false)
      if (!(marker.ready instanceof Promise)) marker.commit(markerMeta(varyOn), EMPTY)
      else void marker.ready.then(() => marker.commit(markerMeta(varyOn), EMPTY))
      return fill.commit(meta, body, variantKey(key, request, varyOn))
    },
  }
}
