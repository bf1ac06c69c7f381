// cachefront/fetch: wraps a Web-standard fetch handler, `(request) => Response`.
import { handleWebRequest, type WebHandler } from '../http/web-flow.js'
import { webRefreshRequest } from '../http/refresh-headers.js'
import { resolveRouteOptions, type RouteOptions } from '../http/route-options.js'
import type { HeaderTable } from '../http/header-scan.js'
import { WebRequestView } from '../http/web-request-view.js'

export type { RouteOptions } from '../http/route-options.js'
export type { RequestView } from '../http/request-view.js'

/** A fetch handler: the request, then whatever else the platform passes (env, context). */
export type FetchHandler<Rest extends unknown[] = []> = (
  request: Request,
  ...rest: Rest
) => Response | Promise<Response>

/**
 * Wraps `handler` so that its responses are cached per request. On @hono/node-server the handler
 * may be a whole app's `app.fetch`: hits are then answered before the app routes the request.
 *
 * @example
 * export default { fetch: cacheResponse(handler, { ttl: '30s' }) }
 * serve({ fetch: cacheResponse(app.fetch, { cache }) })
 */
export function cacheResponse<Rest extends unknown[] = []>(
  handler: FetchHandler<Rest>,
  options: RouteOptions = {},
): FetchHandler<Rest> {
  if (typeof handler !== 'function')
    throw new TypeError(`cachefront: expected cacheResponse handler to be a function, got ${typeof handler}`)
  const route = resolveRouteOptions(options, 'cacheResponse')
  return function cachedFetch(request: Request, ...rest: Rest): Response | Promise<Response> {
    const view = new FetchRequest(request, handler, rest, route.headerTable)
    return handleWebRequest(route, view, view, view.present)
  }
}

/** One request: the view the flow reads, and how it calls the handler (one object, no closures). */
class FetchRequest<Rest extends unknown[]> extends WebRequestView implements WebHandler {
  readonly #request: Request
  readonly #handler: FetchHandler<Rest>
  readonly #rest: Rest

  constructor(request: Request, handler: FetchHandler<Rest>, rest: Rest, table: HeaderTable) {
    // @hono/node-server passes `{ incoming, outgoing }` after the request.
    super(request, rest[0], table)
    this.#request = request
    this.#handler = handler
    this.#rest = rest
  }

  protected webHeaders(): Headers {
    return this.#request.headers
  }

  async origin(): Promise<Response> {
    return this.#handler(this.#request, ...this.#rest)
  }

  async refresh(): Promise<Response> {
    return this.#handler(webRefreshRequest(this.#request), ...this.#rest)
  }
}
