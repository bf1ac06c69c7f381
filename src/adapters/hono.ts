// cachefront/hono: route middleware for Hono.
import type { Context, MiddlewareHandler, Next } from 'hono'
import { handleWebRequest, type WebHandler } from '../http/web-flow.js'
import { webRefreshRequest } from '../http/refresh-headers.js'
import { resolveRouteOptions, type RouteOptions } from '../http/route-options.js'
import type { HeaderTable } from '../http/header-scan.js'
import { WebRequestView } from '../http/web-request-view.js'

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
    const request = new HonoRequest(c, next, route.headerTable)
    const answer = handleWebRequest(route, request, request, request.present)
    // A synchronous answer is a memory-store hit: the origin did not run, and no await is needed.
    if (!(answer instanceof Promise)) return answer
    const response = await answer
    if (request.ranOrigin) {
      // Replace, not merge: Hono's `c.res` setter would copy the origin's headers over ours.
      c.res = undefined
      c.res = c.req.method === 'HEAD' ? headAnswer(response) : response
      return
    }
    return response
  }
}

/**
 * A HEAD answer rebuilt from its status and headers. Hono answers HEAD with `new Response(null,
 * answer)`, and @hono/node-server's Response (1.19) copies the headers the answer was constructed
 * with, dropping those set on it since: the Cache-Status of a forwarded HEAD was lost.
 */
function headAnswer(response: Response): Response {
  // Not `statusText`: reading it makes node-server's Response rebuild its headers from that init too.
  return new Response(null, { status: response.status, headers: response.headers })
}

/** One request: the view the flow reads, and how it runs the rest of the route (one object, no closures). */
class HonoRequest extends WebRequestView implements WebHandler {
  ranOrigin = false
  readonly #c: Context
  readonly #next: Next

  constructor(c: Context, next: Next, table: HeaderTable) {
    super(c.req.raw, c.env, table)
    this.#c = c
    this.#next = next
  }

  protected webHeaders(): Headers {
    return this.#c.req.raw.headers
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
