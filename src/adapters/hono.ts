// cachefront/hono: route middleware for Hono.
import type { Context, MiddlewareHandler } from 'hono'
import { handleWebRequest } from '../http/web-flow.js'
import { webRefreshRequest } from '../http/refresh-headers.js'
import { resolveRouteOptions, type RouteOptions } from '../http/route-options.js'
import { requestHeader, type NodeRequestHeaders } from '../http/node-headers.js'
import { splitUrl, type RequestView } from '../http/request-view.js'

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
    let ranOrigin = false
    const origin = async (): Promise<Response> => {
      ranOrigin = true
      await next()
      return c.res
    }
    // After a stale response has been returned, run the rest of the route again for this request:
    // Hono offers no way to re-enter a route, so the context is reset to an unanswered state, and
    // its request to a plain GET without the client's conditionals (it must fetch the whole response).
    const refresh = async (): Promise<Response> => {
      await new Promise((resolve) => setImmediate(resolve))
      c.req.raw = webRefreshRequest(c.req.raw)
      c.res = undefined
      c.finalized = false
      await next()
      return c.res
    }
    const answer = handleWebRequest(route, honoView(c), origin, refresh)
    // A synchronous answer is a memory-store hit: the origin did not run, and no await is needed.
    if (!(answer instanceof Promise)) return answer
    const response = await answer
    if (ranOrigin) {
      // Replace, not merge: Hono's `c.res` setter would copy the origin's headers over ours.
      c.res = undefined
      c.res = response
      return
    }
    return response
  }
}

function honoView(c: Context): RequestView {
  const raw = c.req.raw
  const { host, path, query } = splitUrl(raw.url)
  const incoming = nodeIncoming(c.env)
  if (incoming !== undefined) {
    // On @hono/node-server, `raw.headers` builds a Headers from Node's parsed ones on first use;
    // reading Node's directly skips that per request (a fifth of a hit's CPU, measured).
    const headers = incoming.headers
    return { method: raw.method, host, path, query, header: (name) => requestHeader(headers, name) }
  }
  const headers = raw.headers
  return { method: raw.method, host, path, query, header: (name) => headers.get(name) ?? undefined }
}

/** The Node request behind this one when the app runs on @hono/node-server (`c.env.incoming`). */
function nodeIncoming(env: unknown): { headers: NodeRequestHeaders } | undefined {
  if (typeof env !== 'object' || env === null) return undefined
  const incoming = (env as { incoming?: unknown }).incoming
  if (typeof incoming !== 'object' || incoming === null) return undefined
  const { headers, httpVersion } = incoming as { headers?: unknown; httpVersion?: unknown }
  return typeof headers === 'object' && headers !== null && typeof httpVersion === 'string'
    ? (incoming as { headers: NodeRequestHeaders })
    : undefined
}
