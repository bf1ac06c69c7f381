// Route options, shared by every adapter: declared once with defaults, resolved at creation so
// that the request path does no option work.
import type { Cache } from '../engine/cache.js'
import { defaultCache } from '../engine/default-cache.js'
import { parseByteSize, parseDuration, type ByteSize, type Duration } from '../engine/duration.js'
import { parseTtl } from '../engine/options.js'
import { headerTable, type HeaderTable } from './header-scan.js'
import { badOption, rejectUnknownOptions } from '../errors.js'
import type { RequestView } from './request-view.js'

/** Options of `cacheResponse(...)` (and of a Fastify route's `config.cache`). */
export interface RouteOptions {
  /**
   * The cache to use.
   * @default a process-wide cache on the memory store
   */
  cache?: Cache
  /**
   * How long a response is fresh.
   * @default the cache's `ttl` ('1m' unless set)
   */
  ttl?: Duration
  /**
   * How long past `ttl` a stale response is served while one background refresh runs.
   * @default the cache's `staleWhileRevalidate` (0 unless set)
   */
  staleWhileRevalidate?: Duration
  /**
   * How long past `ttl` a stale response is served when the handler throws or answers 5xx.
   * @default the cache's `staleIfError` (0 unless set)
   */
  staleIfError?: Duration
  /**
   * Tags to invalidate the response by: a list, or a function of the request.
   * @default [] (the URL path is always an implicit target of `invalidate({ paths })`)
   */
  tags?: readonly string[] | ((request: RequestView) => readonly string[])
  /**
   * Replaces the default key (scheme unless http, host, path, sorted query). Return a string;
   * requests with the same string share an entry, so include everything the response depends on.
   * @default scheme (unless http) + host + path + sorted query
   */
  key?: (request: RequestView) => string
  /**
   * Request headers whose values split the key, beside any named in the response's `Vary`.
   * @default []
   */
  vary?: readonly string[]
  /**
   * Responses with larger bodies stream through to the client uncached.
   * @default '1mb'
   */
  maxBodyBytes?: ByteSize
  /**
   * Response statuses that may be stored. 206 and 304 never are.
   * @default [200]
   */
  statuses?: readonly number[]
  /**
   * Cache requests that carry `Authorization`. Only for routes whose response does not depend
   * on who asks: the stored response is served to everyone.
   * @default false (such requests bypass the cache)
   */
  allowAuthorization?: boolean
  /**
   * Cache requests that carry `Cookie`. Only for routes whose response does not depend on cookies.
   * @default false (such requests bypass the cache)
   */
  allowCookies?: boolean
  /**
   * Let a client's `Cache-Control: no-cache` or `Pragma: no-cache` force a refetch from the origin.
   * Off by default, because any client could otherwise make every request reach the origin.
   * @default false
   */
  honorClientNoCache?: boolean
  /**
   * Request headers that proxies set and frameworks read to build absolute URLs, links and
   * redirects, or to route the request. When a request carries one, its value becomes part of the
   * key, so a forged value (cache poisoning) only ever reaches requests that forge the same one;
   * behind a proxy that sets them on every request, all requests share the value and the hit
   * rate is unchanged. Of `Forwarded`, only the `host` and `proto` parameters are keyed (`for` is
   * the client's address). `[]` turns this off: only for apps that never read these headers.
   * @default ["forwarded","x-forwarded-host","x-forwarded-port","x-forwarded-prefix","x-forwarded-proto","x-forwarded-scheme","x-host","x-original-url","x-rewrite-url"]
   */
  forwardedHeaders?: readonly string[]
}

export const ROUTE_DEFAULTS = {
  tags: [] as readonly string[],
  vary: [] as readonly string[],
  maxBodyBytes: '1mb',
  statuses: [200] as readonly number[],
  allowAuthorization: false,
  allowCookies: false,
  honorClientNoCache: false,
  forwardedHeaders: [
    'forwarded',
    'x-forwarded-host',
    'x-forwarded-port',
    'x-forwarded-prefix',
    'x-forwarded-proto',
    'x-forwarded-scheme',
    'x-host',
    'x-original-url',
    'x-rewrite-url',
  ] as readonly string[],
} as const

/** A route's options after validation; durations in milliseconds. */
export interface RoutePlan {
  readonly cache: Cache
  readonly ttl: number
  readonly staleWhileRevalidate: number
  readonly staleIfError: number
  readonly tags: readonly string[] | ((request: RequestView) => readonly string[])
  readonly key: ((request: RequestView) => string) | undefined
  readonly vary: readonly string[]
  readonly maxBodyBytes: number
  readonly statuses: ReadonlySet<number>
  readonly allowAuthorization: boolean
  readonly allowCookies: boolean
  readonly honorClientNoCache: boolean
  /** Lower case, sorted. */
  readonly forwardedHeaders: readonly string[]
  /** Which request headers the flow reads, by group (see header-scan.ts). */
  readonly headerTable: HeaderTable
}

const KNOWN = new Set<string>([
  'cache',
  'ttl',
  'staleWhileRevalidate',
  'staleIfError',
  'tags',
  'key',
  'vary',
  'maxBodyBytes',
  'statuses',
  'allowAuthorization',
  'allowCookies',
  'honorClientNoCache',
  'forwardedHeaders',
])

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/

export function resolveRouteOptions(options: RouteOptions = {}, where = 'cacheResponse'): RoutePlan {
  if (typeof options !== 'object' || options === null) throw badOption(`${where} options`, 'an object', options)
  rejectUnknownOptions(options, KNOWN, where)
  const cache = options.cache ?? defaultCache()
  if (typeof cache !== 'object' || cache === null || typeof cache.beginFill !== 'function') {
    throw badOption(`${where} cache`, 'a cache from createCache()', options.cache)
  }
  const tags = options.tags ?? ROUTE_DEFAULTS.tags
  if (typeof tags !== 'function' && !(Array.isArray(tags) && tags.every((tag) => typeof tag === 'string'))) {
    throw badOption(`${where} tags`, 'an array of strings or a function of the request', tags)
  }
  if (options.key !== undefined && typeof options.key !== 'function') {
    throw badOption(`${where} key`, 'a function of the request returning a string', options.key)
  }
  const vary = headerNames(options.vary ?? ROUTE_DEFAULTS.vary, `${where} vary`)
  const forwardedHeaders = headerNames(
    options.forwardedHeaders ?? ROUTE_DEFAULTS.forwardedHeaders,
    `${where} forwardedHeaders`,
  )
  const statuses = options.statuses ?? ROUTE_DEFAULTS.statuses
  if (!Array.isArray(statuses) || !statuses.every((s) => Number.isInteger(s) && s >= 200 && s <= 599)) {
    throw badOption(`${where} statuses`, 'an array of HTTP status codes (200-599)', statuses)
  }
  return {
    cache,
    ttl: options.ttl === undefined ? cache.defaults.ttl : parseTtl(options.ttl, `${where} ttl`),
    staleWhileRevalidate:
      options.staleWhileRevalidate === undefined
        ? cache.defaults.staleWhileRevalidate
        : parseDuration(options.staleWhileRevalidate, `${where} staleWhileRevalidate`),
    staleIfError:
      options.staleIfError === undefined
        ? cache.defaults.staleIfError
        : parseDuration(options.staleIfError, `${where} staleIfError`),
    tags,
    key: options.key,
    vary,
    maxBodyBytes: parseByteSize(options.maxBodyBytes ?? ROUTE_DEFAULTS.maxBodyBytes, `${where} maxBodyBytes`),
    // 206 (a part) and 304 (no body) can never stand for the whole resource (RFC 9111 §3).
    statuses: new Set(statuses.filter((status) => status !== 206 && status !== 304)),
    allowAuthorization: flag(
      options.allowAuthorization,
      ROUTE_DEFAULTS.allowAuthorization,
      `${where} allowAuthorization`,
    ),
    allowCookies: flag(options.allowCookies, ROUTE_DEFAULTS.allowCookies, `${where} allowCookies`),
    honorClientNoCache: flag(
      options.honorClientNoCache,
      ROUTE_DEFAULTS.honorClientNoCache,
      `${where} honorClientNoCache`,
    ),
    forwardedHeaders,
    headerTable: headerTable(forwardedHeaders),
  }
}

/** A list of header names, lower case, without duplicates, sorted. */
function headerNames(value: unknown, name: string): readonly string[] {
  if (
    !Array.isArray(value) ||
    !value.every((item) => typeof item === 'string' && HEADER_NAME.test(item.toLowerCase()))
  ) {
    throw badOption(name, 'an array of header names', value)
  }
  return [...new Set((value as string[]).map((item) => item.toLowerCase()))].sort()
}

function flag(value: unknown, fallback: boolean, name: string): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') throw badOption(name, 'a boolean', value)
  return value
}
