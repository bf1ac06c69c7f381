// cachefront/express: route middleware for Express; translation only, the flow is src/http/node-flow.
import type { IncomingMessage } from 'node:http'
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { CacheError } from '../errors.js'
import { CACHE_STATUS_HEADER } from '../http/cache-status.js'
import { captureResponse, clientDownstream } from '../http/node-capture.js'
import { startRequest, type OriginFill, type RequestStart } from '../http/request-flow.js'
import { actLate } from '../http/late-start.js'
import { connectionScheme, entryAnswer, requestHeader } from '../http/node-headers.js'
import { scanNodeHeaders } from '../http/header-scan.js'
import { discardDownstream, dispatchSubrequest, type NodeDispatch } from '../http/node-subrequest.js'
import { splitTarget, type RequestView } from '../http/request-view.js'
import { resolveRouteOptions, type RouteOptions, type RoutePlan } from '../http/route-options.js'

export type { RouteOptions } from '../http/route-options.js'
export type { RequestView } from '../http/request-view.js'

/**
 * Caches the responses of the handlers after it on a route. Put it after `compression()` to store
 * bodies uncompressed and compress each answer, or before it to store one encoded copy per
 * Accept-Encoding; either way a client only gets an encoding it accepts.
 *
 * @example
 * app.get('/', cacheResponse({ cache, ttl: '10m', tags: ['home'] }), handler)
 */
export function cacheResponse(options: RouteOptions = {}): RequestHandler {
  const route = resolveRouteOptions(options, 'cacheResponse')
  const cache = route.cache
  // Refresh requests are recognised by object identity (see node-subrequest.ts).
  const refreshing = new WeakMap<IncomingMessage, OriginFill>()

  // Stale-while-revalidate: the stale entry has been answered; the same URL goes again through
  // the whole app (its other middleware included) as a synthetic request whose response only
  // feeds the cache. Express has no inject API and a route cannot be re-entered for one request.
  const backgroundRefresh = (fill: OriginFill, req: Request): void => {
    dispatchSubrequest(
      rootDispatch(req),
      req.originalUrl,
      req.headers,
      (synthetic) => refreshing.set(synthetic, fill),
      (error) => {
        // A handler's throw falls through the refresh's stack to here, never to a client.
        if (error === undefined) return fill.abandon()
        fill.fail()
        cache.reportError(
          new CacheError('E_REFRESH_FAILED', 'cachefront: a background refresh failed', { cause: error }),
        )
      },
      connectionScheme(req.socket) === 'https',
    )
  }

  return function cachefrontMiddleware(req: Request, res: Response, next: NextFunction): void {
    const refresh = refreshing.get(req)
    if (refresh !== undefined) {
      captureResponse(res, refresh, expressView(req), route.maxBodyBytes, discardDownstream(res), cache.now)
      return next()
    }
    const view = expressView(req)
    const start = startRequest(route, view, scanNodeHeaders(req.headers, route.headerTable), backgroundRefresh, req)
    if (start instanceof Promise)
      start.then(
        (decided) => actLate(decided, res.headersSent || res.destroyed, () => run(decided, route, view, res), next),
        next,
      )
    else if (run(start, route, view, res)) next()
  }
}

/** Acts on `start`; true when the request goes on to its handler. */
function run(start: RequestStart, route: RoutePlan, view: RequestView, res: Response): boolean {
  if (start.kind === 'serve') {
    const answer = entryAnswer(start.entry, view, start.cacheStatus, start.now)
    res.writeHead(answer.status, answer.headers)
    res.end(answer.body)
    return false
  }
  if (start.kind === 'forward') res.setHeader(CACHE_STATUS_HEADER, start.cacheStatus)
  else captureResponse(res, start.fill, view, route.maxBodyBytes, clientDownstream(res), route.cache.now)
  return true
}

function expressView(req: Request): RequestView {
  const { path, query } = splitTarget(req.originalUrl)
  const headers = req.headers
  return {
    // method-override rewrites req.method and keeps the client's in originalMethod: a POST must
    // stay a POST for the cache, whatever the handler is routed as.
    method: (req as { originalMethod?: string }).originalMethod ?? req.method,
    scheme: connectionScheme(req.socket),
    host: expressHost(req),
    path,
    query,
    header: (name) => requestHeader(headers, name),
  }
}

/**
 * `req.host`: the Host header, or X-Forwarded-Host when the app trusts the proxy that sent it.
 * Without X-Forwarded-Host both are the Host header, read here without Express's getter chain
 * (settings lookup, two header lookups: a sizeable part of a hit's own work).
 */
function expressHost(req: Request): string {
  const host = req.headers['x-forwarded-host'] === undefined ? req.headers.host : req.host
  // As received: a router may tell host names apart by case, so the key must too.
  return host ?? ''
}

interface ExpressApp {
  handle: NodeDispatch
  parent?: ExpressApp
}

/** The top app, so that `originalUrl` (which includes any mount path) routes as it did. */
function rootDispatch(req: Request): NodeDispatch {
  let app = req.app as unknown as ExpressApp
  while (app.parent !== undefined) app = app.parent
  return (synthetic, res, done) => app.handle(synthetic, res, done)
}
