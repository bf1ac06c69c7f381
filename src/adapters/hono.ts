// cachefront/hono: route middleware for Hono.
import type { Context, MiddlewareHandler, Next } from 'hono'
import { handleWebRequest, type WebHandler } from '../http/web-flow.js'
import { webRefreshRequest } from '../http/refresh-headers.js'
import { resolveRouteOptions, type RouteOptions } from '../http/route-options.js'
import { requestHeader, type NodeRequestHeaders } from '../http/node-headers.js'
import { ANY_HEADERS, scanNodeHeaders } from '../http/header-scan.js'
import { splitUrl, type JoinedRequestView } from '../http/request-view.js'

export type { RouteOptions } from '../http/route-options.js'
export type { RequestView } from '../http/request-view.js'

/**
 * Caches the responses of the handlers after it on a route.
 *
 * @example
 * app.get('/', cacheResponse({ cache, ttl: '10m', tags: ['home'] }), handler)
 * app.get('/json/', cacheResponse(), handler) // the process-wide default cache
 */
export function cacheResponse(options: RouteOptions = {}): MiddlewareHandler {
  const route = resolveRouteOptions(options, 'cacheResponse')
  return async function cachefrontMiddleware(c, next) {
    const request = new HonoRequest(c, next)
    const nodeHeaders = request.nodeHeaders
    const present = nodeHeaders === undefined ? ANY_HEADERS : scanNodeHeaders(nodeHeaders, route.headerTable)
    const answer = handleWebRequest(route, request, request, present)
    // A synchronous answer is a memory-store hit: the origin did not run, and no await is needed.
    if (!(answer instanceof Promise)) return answer
    const response = await answer
    if (request.ranOrigin) {
      // Replace, not merge: Hono's `c.res` setter would copy the origin's headers over ours.
      c.res = undefined
      c.res = response
      return
    }
    return response
  }
}

// Node keeps only the first of these when a request repeats them, where @hono/node-server's Headers
// (what the handler reads) joins them all: two User-Agent lines would key as the first alone while
// the handler answered for both. These are read from the Headers, as the handler reads them.
const NODE_KEEPS_FIRST = new Set([
  'age',
  'authorization',
  'content-length',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
])

/** One request: the view the flow reads, and how it runs the rest of the route (one object, no closures). */
class HonoRequest implements JoinedRequestView, WebHandler {
  readonly method: string
  readonly scheme: string
  readonly host: string
  readonly path: string
  readonly query: string
  readonly hostAndPath: string | undefined
  /** Node's parsed headers on @hono/node-server; `undefined` on other runtimes. */
  readonly nodeHeaders: NodeRequestHeaders | undefined
  ranOrigin = false
  readonly #c: Context
  readonly #next: Next

  constructor(c: Context, next: Next) {
    this.#c = c
    this.#next = next
    const raw = c.req.raw
    const { scheme, host, path, query, hostAndPath } = splitUrl(raw.url)
    const incoming = nodeIncoming(c.env)
    this.method = raw.method
    this.scheme = scheme
    this.host = host
    // node-server takes an absolute-form target's host (`GET http://app.test/p`) for the URL and
    // leaves the Host header (`evil.test`) to handlers that read it: the key cannot follow both,
    // so such a request keeps its raw target as the path, which bypasses (policy.ts).
    const plain = incoming === undefined || incoming.url.charCodeAt(0) === 47
    this.path = plain ? path : incoming.url
    this.query = query
    this.hostAndPath = plain ? hostAndPath : undefined
    // On @hono/node-server, `raw.headers` builds a Headers from Node's parsed ones on first use;
    // reading Node's directly skips that per request (a fifth of a hit's CPU, measured).
    this.nodeHeaders = incoming?.headers
  }

  header(name: string): string | undefined {
    if (this.nodeHeaders !== undefined && !NODE_KEEPS_FIRST.has(name)) return requestHeader(this.nodeHeaders, name)
    return this.#c.req.raw.headers.get(name) ?? undefined
  }

  async origin(): Promise<Response> {
    this.ranOrigin = true
    await this.#next()
    return this.#c.res
  }

  // After a stale response has been returned, run the rest of the route again for this request:
  // Hono offers no way to re-enter a route, so the context is reset to an unanswered state, and
  // its request to a plain GET without the client's conditionals (it must fetch the whole response).
  async refresh(): Promise<Response> {
    await new Promise((resolve) => setImmediate(resolve))
    const c = this.#c
    c.req.raw = webRefreshRequest(c.req.raw)
    c.res = undefined
    c.finalized = false
    await this.#next()
    return c.res
  }
}

/** The Node request behind this one when the app runs on @hono/node-server (`c.env.incoming`). */
function nodeIncoming(env: unknown): { headers: NodeRequestHeaders; url: string } | undefined {
  if (typeof env !== 'object' || env === null) return undefined
  const incoming = (env as { incoming?: unknown }).incoming
  if (typeof incoming !== 'object' || incoming === null) return undefined
  const { headers, httpVersion, url } = incoming as { headers?: unknown; httpVersion?: unknown; url?: unknown }
  return typeof headers === 'object' && headers !== null && typeof httpVersion === 'string' && typeof url === 'string'
    ? (incoming as { headers: NodeRequestHeaders; url: string })
    : undefined
}
