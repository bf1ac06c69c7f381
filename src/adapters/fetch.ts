// cachefront/fetch: wraps a Web-standard fetch handler, `(request) => Response`.
import { handleWebRequest } from '../http/web-flow.js'
import { webRefreshRequest } from '../http/refresh-headers.js'
import { resolveRouteOptions, type RouteOptions } from '../http/route-options.js'
import { splitUrl, type JoinedRequestView } from '../http/request-view.js'

export type { RouteOptions } from '../http/route-options.js'
export type { RequestView } from '../http/request-view.js'

/** A fetch handler: the request, then whatever else the platform passes (env, context). */
export type FetchHandler<Rest extends unknown[] = []> = (
  request: Request,
  ...rest: Rest
) => Response | Promise<Response>

/**
 * Wraps `handler` so that its responses are cached per request.
 *
 * @example
 * export default { fetch: cacheResponse(handler, { ttl: '30s' }) }
 */
export function cacheResponse<Rest extends unknown[] = []>(
  handler: FetchHandler<Rest>,
  options: RouteOptions = {},
): FetchHandler<Rest> {
  if (typeof handler !== 'function')
    throw new TypeError(`cachefront: expected cacheResponse handler to be a function, got ${typeof handler}`)
  const route = resolveRouteOptions(options, 'cacheResponse')
  return function cachedFetch(request: Request, ...rest: Rest): Response | Promise<Response> {
    return handleWebRequest(route, requestView(request), {
      origin: async () => handler(request, ...rest),
      refresh: async () => handler(webRefreshRequest(request), ...rest),
    })
  }
}

function requestView(request: Request): JoinedRequestView {
  const { scheme, host, path, query, hostAndPath } = splitUrl(request.url)
  const headers = request.headers
  return {
    method: request.method,
    scheme,
    host,
    path,
    query,
    hostAndPath,
    header: (name) => headers.get(name) ?? undefined,
  }
}
