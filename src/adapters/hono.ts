// cachefront/hono: route middleware for Hono, or a wrapper around one handler.
import type { Context, Env, Handler, Input, MiddlewareHandler, Next } from 'hono'
import type { BlankInput } from 'hono/types'
import { handleWebRequest, type WebHandler } from '../http/web-flow.js'
import { webRefreshRequest } from '../http/refresh-headers.js'
import { resolveRouteOptions, type RouteOptions, type RoutePlan } from '../http/route-options.js'
import { requestHeader, type NodeRequestHeaders } from '../http/node-headers.js'
import { ANY_HEADERS, scanNodeHeaders } from '../http/header-scan.js'
import { splitUrl, type RequestView } from '../http/request-view.js'

export type { RouteOptions } from '../http/route-options.js'
export type { RequestView } from '../http/request-view.js'

/** A Hono handler whose responses cachefront caches; what `cacheResponse(handler)` returns. */
export type CachedHandler<E extends Env = Env, P extends string = string, I extends Input = BlankInput> = (
  c: Context<E, P, I>,
  next: Next,
) => Response | Promise<Response>

/**
 * Caches the responses of the handlers after it on a route, or of the one handler it wraps.
 * Wrapping is the faster form: a hit is answered as the route's only handler, without Hono's
 * middleware chain (an async step per middleware); the middleware form fits routes that have
 * several handlers.
 *
 * @example
 * app.get('/', cacheResponse({ cache, ttl: '10m', tags: ['home'] }), handler)
 * app.get('/json/', cacheResponse(), handler) // the process-wide default cache
 * app.get('/about', cacheResponse((c) => c.html(renderAbout()), { ttl: '1h' }))
 */
export function cacheResponse(options?: RouteOptions): MiddlewareHandler
export function cacheResponse<E extends Env = Env, P extends string = string, I extends Input = BlankInput>(
  handler: Handler<E, P, I>,
  options?: RouteOptions,
): CachedHandler<E, P, I>
export function cacheResponse(
  first: RouteOptions | Handler = {},
  options: RouteOptions = {},
): MiddlewareHandler | CachedHandler {
  if (typeof first === 'function') return cachedHandler(first, resolveRouteOptions(options, 'cacheResponse'))
  return cacheMiddleware(resolveRouteOptions(first, 'cacheResponse'))
}

function cacheMiddleware(route: RoutePlan): MiddlewareHandler {
  return async function cachefrontMiddleware(c, next) {
    const request = new HonoRequest(c, next, undefined)
    const answer = handle(route, request)
    // A synchronous answer is a memory-store hit: the origin did not run, and no await is needed.
    if (!(answer instanceof Promise)) return answer
    const response = await answer
    if (!request.ranOrigin) return response
    answered(c, response)
  }
}

function cachedHandler(handler: Handler, route: RoutePlan): CachedHandler {
  return function cachefrontHandler(c, next) {
    const request = new HonoRequest(c, next, handler)
    const answer = handle(route, request)
    // A hit returns synchronously: Hono hands it to the server as it would a constant response.
    if (!(answer instanceof Promise)) return answer
    return answer.then((response) => {
      if (request.ranOrigin) answered(c, response)
      return response
    })
  }
}

function handle(route: RoutePlan, request: HonoRequest): Response | Promise<Response> {
  const nodeHeaders = request.nodeHeaders
  const present = nodeHeaders === undefined ? ANY_HEADERS : scanNodeHeaders(nodeHeaders, route.headerTable)
  return handleWebRequest(route, request, request, present)
}

/** The route's answer once the origin ran: ours (stored, with Cache-Status), not the handler's. */
function answered(c: Context, response: Response): void {
  // Replace, not merge: Hono's `c.res` setter would copy the origin's headers over ours.
  c.res = undefined
  c.res = response
}

/** One request: the view the flow reads, and how it runs the rest of the route (one object, no closures). */
class HonoRequest implements RequestView, WebHandler {
  readonly method: string
  readonly host: string
  readonly path: string
  readonly query: string
  /** Node's parsed headers on @hono/node-server; `undefined` on other runtimes. */
  readonly nodeHeaders: NodeRequestHeaders | undefined
  ranOrigin = false
  readonly #c: Context
  readonly #next: Next
  /** The wrapped handler, or `undefined` for the middleware form (the origin is `next`). */
  readonly #handler: Handler | undefined

  constructor(c: Context, next: Next, handler: Handler | undefined) {
    this.#c = c
    this.#next = next
    this.#handler = handler
    const raw = c.req.raw
    const { host, path, query } = splitUrl(raw.url)
    this.method = raw.method
    this.host = host
    this.path = path
    this.query = query
    // On @hono/node-server, `raw.headers` builds a Headers from Node's parsed ones on first use;
    // reading Node's directly skips that per request (a fifth of a hit's CPU, measured).
    this.nodeHeaders = nodeIncoming(c.env)?.headers
  }

  header(name: string): string | undefined {
    if (this.nodeHeaders !== undefined) return requestHeader(this.nodeHeaders, name)
    return this.#c.req.raw.headers.get(name) ?? undefined
  }

  async origin(): Promise<Response> {
    this.ranOrigin = true
    return this.#run()
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
    return this.#run()
  }

  async #run(): Promise<Response> {
    const c = this.#c
    if (this.#handler === undefined) {
      await this.#next()
      return c.res
    }
    const returned: unknown = await this.#handler(c, this.#next)
    if (returned instanceof Response) return returned
    // As Hono treats a handler that returns nothing: its `c.res` if it set one, else Not Found.
    return c.finalized ? c.res : c.notFound()
  }
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
