// cachefront/fastify: a plugin that caches the routes whose `config.cache` opts in; translation
// only, the flow is src/http/request-flow.
import { randomUUID } from 'node:crypto'
import { createRequire } from 'node:module'
import type { Readable } from 'node:stream'
import type {
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  onRequestHookHandler,
  onSendHookHandler,
} from 'fastify'
import fp from 'fastify-plugin'
import type { Cache } from '../engine/cache.js'
import { CacheError, badOption } from '../errors.js'
import { collectNodeBody } from '../http/node-body.js'
import { CACHE_STATUS_HEADER } from '../http/cache-status.js'
import { startRequest, type StoredAnswer, type OriginFill, type RequestStart } from '../http/request-flow.js'
import { actLate } from '../http/late-start.js'
import { connectionScheme, entryAnswer, requestHeader, type EntryAnswer } from '../http/node-headers.js'
import { scanNodeHeaders } from '../http/header-scan.js'
import { hitHeaders } from './fastify-reply-headers.js'
import { refreshHeaders } from '../http/node-subrequest.js'
import { splitTarget, type RequestView, type RoutedRequestView } from '../http/request-view.js'
import { resolveRouteOptions, type RouteOptions, type RoutePlan } from '../http/route-options.js'

export type { RouteOptions } from '../http/route-options.js'
export type { RequestView } from '../http/request-view.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Cache this route's responses (cachefront). */
    cache?: RouteOptions
  }
}

/** Options of the plugin. */
export interface CachefrontPluginOptions {
  /**
   * The cache of routes whose `config.cache` names none.
   * @default a process-wide cache on the memory store
   */
  cache?: Cache
}

// A background refresh is an `inject` of the same URL carrying this header; its value is a random
// id known only to this process, so a client cannot forge a refresh.
const REFRESH_HEADER = 'x-cachefront-refresh'

const plugin: FastifyPluginAsync<CachefrontPluginOptions> = async (app, options) => {
  if (options.cache !== undefined && (typeof options.cache !== 'object' || options.cache === null)) {
    throw badOption('cachefront plugin cache', 'a cache from createCache()', options.cache)
  }
  const cache = options.cache
  const refreshes = new Map<string, Refresh>()
  const fills = new WeakMap<FastifyRequest, FillState>()

  // Options are resolved once per route, at registration: a bad one fails at startup, and routes
  // without `config.cache` get no hooks at all.
  app.addHook('onRoute', (routeOptions) => {
    const config = routeOptions.config?.cache
    if (config === undefined) return
    const where = `route ${String(routeOptions.method)} ${routeOptions.url} config.cache`
    const route = resolveRouteOptions(
      cache !== undefined && config.cache === undefined ? { ...config, cache } : config,
      where,
    )
    if (route.staleWhileRevalidate > 0) preloadInject()
    routeOptions.onRequest = [onRequest(app, route, refreshes, fills), ...hookList(routeOptions.onRequest)]
    // Last of the route's onSend hooks: it sees the bytes and headers that actually go out.
    routeOptions.onSend = [...hookList(routeOptions.onSend), onSend(route, fills)]
  })
}

interface FillState {
  readonly fill: OriginFill
  readonly view: RequestView
}

/**
 * `app.register(cachefront, { cache })`, then `config: { cache: { ttl: '10m' } }` on routes.
 * Wrapped with fastify-plugin, so it caches the routes of the scope that registers it and of its
 * descendants.
 */
export const cachefront = fp(plugin, { fastify: '5.x', name: 'cachefront' })
export default cachefront

let injectLoaded = false

// Fastify loads light-my-request, what `inject` runs on, at the first inject: a synchronous require
// on the event loop in the middle of serving, at the first stale hit (4-7 ms measured; the first
// round of bench/expiry.ts stalled 69-118 ms there). Loaded while routes register instead, from
// where Fastify itself resolves it, so that its require finds it cached.
function preloadInject(): void {
  if (injectLoaded) return
  injectLoaded = true
  try {
    const requireHere = createRequire(import.meta.url)
    createRequire(requireHere.resolve('fastify'))('light-my-request')
  } catch {
    // Not resolvable from here (an unusual install): Fastify loads it on the first inject, as before.
  }
}

/** A background refresh in flight: its fill, and whether the client's request came over TLS. */
interface Refresh {
  readonly fill: OriginFill
  readonly secure: boolean
}

function onRequest(
  app: FastifyInstance,
  route: RoutePlan,
  refreshes: Map<string, Refresh>,
  fills: WeakMap<FastifyRequest, FillState>,
): onRequestHookHandler {
  // Stale-while-revalidate: the same URL goes again through the app with `inject`, so hooks,
  // serializers and templates run as for a client; its response only feeds the cache.
  const refresh = (fill: OriginFill, request: FastifyRequest): void => {
    const id = randomUUID()
    refreshes.set(id, { fill, secure: connectionScheme(request.raw.socket) === 'https' })
    app
      .inject({
        method: 'GET',
        // The URL the client sent: inject runs `rewriteUrl` again, as for the client's request.
        url: request.originalUrl,
        headers: { ...refreshHeaders(request.headers), [REFRESH_HEADER]: id },
      })
      .then(
        () => undefined,
        (error: unknown) => route.cache.reportError(refreshFailed(error)),
      )
      .finally(() => {
        refreshes.delete(id)
        fill.abandon()
      })
  }

  return function cachefrontOnRequest(request, reply, done) {
    const view = fastifyView(request)
    const refreshId = request.headers[REFRESH_HEADER]
    const refreshing = typeof refreshId === 'string' ? refreshes.get(refreshId) : undefined
    if (refreshing !== undefined) {
      refreshes.delete(refreshId as string)
      // inject's socket is never TLS: an https entry's refresh must render as https, as its
      // handler's `request.protocol` did for the client (the entry is keyed by scheme).
      if (refreshing.secure) (request.raw.socket as { encrypted?: boolean }).encrypted = true
      fills.set(request, { fill: refreshing.fill, view })
      return done()
    }
    const start = startRequest(route, view, scanNodeHeaders(request.headers, route.headerTable), refresh, request)
    if (start instanceof Promise)
      start.then((decided) => {
        const answered = reply.sent || reply.raw.headersSent || reply.raw.destroyed
        actLate(
          decided,
          answered,
          () => begin(decided, route, view, request, reply, fills),
          (error) => done(asError(error)),
        )
      }, done)
    else if (begin(start, route, view, request, reply, fills)) done()
  }
}

/** Acts on `start`; true when the request goes on to its handler. */
function begin(
  start: RequestStart,
  route: RoutePlan,
  view: RequestView,
  request: FastifyRequest,
  reply: FastifyReply,
  fills: WeakMap<FastifyRequest, FillState>,
): boolean {
  if (start.kind === 'serve') {
    sendStored(reply, entryAnswer(start.entry, view, start.cacheStatus, start.now))
    return false
  }
  if (start.kind === 'forward') reply.header(CACHE_STATUS_HEADER, start.cacheStatus)
  else {
    fills.set(request, { fill: start.fill, view })
    // A request that ends without reaching onSend (client gone) leaves the fill to its waiters;
    // one gone already (while an earlier hook ran) has no 'close' left to send.
    const fill = start.fill
    if (reply.raw.destroyed) fill.abandon()
    else reply.raw.once('close', () => fill.abandon())
  }
  return true
}

function asError(error: unknown): Error | undefined {
  return error === undefined || error instanceof Error ? error : new Error(String(error))
}

function onSend(route: RoutePlan, fills: WeakMap<FastifyRequest, FillState>): onSendHookHandler<unknown> {
  // Callback style: a hit or a bypass passes through without a promise.
  return function cachefrontOnSend(request, reply, payload, done) {
    const state = fills.get(request)
    if (state === undefined) return done(null, payload)
    fills.delete(request)
    const { fill, view } = state
    // A Web Response's status and headers reach the reply only after the onSend hooks: what this
    // hook could store would not be what is sent. It goes out as sent, uncached.
    if (payload instanceof Response) {
      fill.abandon()
      return done(null, payload)
    }
    const verdict = fill.head(reply.statusCode, reply.getHeaders())
    if (verdict.kind === 'stale') return done(null, replaceWith(reply, answerOf(verdict.answer, view, route)))
    if (verdict.kind === 'pass') {
      reply.header(CACHE_STATUS_HEADER, verdict.cacheStatus)
      return done(null, payload)
    }
    const bytes = payloadBytes(payload)
    if (bytes !== undefined && bytes.byteLength > route.maxBodyBytes) {
      reply.header(CACHE_STATUS_HEADER, fill.tooLarge())
      return done(null, payload)
    }
    if (bytes !== undefined) return done(null, storeBody(reply, fill, bytes, view, route))
    // A stream: held up to maxBodyBytes, past which it flows on from where it was, never held whole.
    collectNodeBody(payload as Readable, route.maxBodyBytes).then(
      (collected) => {
        if (collected.complete) return done(null, storeBody(reply, fill, collected.bytes, view, route))
        reply.header(CACHE_STATUS_HEADER, fill.tooLarge())
        done(null, collected.stream)
      },
      (error: unknown) => {
        fill.abandon()
        done(error as Error)
      },
    )
  }
}

/** Stores the body and answers with the entry; a fill already let go (client gone) sends it as is. */
function storeBody(
  reply: FastifyReply,
  fill: OriginFill,
  bytes: Uint8Array,
  view: RequestView,
  route: RoutePlan,
): Buffer | null {
  const stored = fill.complete(bytes)
  return stored === undefined ? nodeBuffer(bytes) : replaceWith(reply, answerOf(stored, view, route))
}

function answerOf(answer: StoredAnswer, view: RequestView, route: RoutePlan): EntryAnswer {
  return entryAnswer(answer.entry, view, answer.cacheStatus, route.cache.now(), true)
}

/**
 * A hit: the stored bytes and headers written to Node's response as they are. The stored bytes are
 * already what the route's `onSend` hooks made of the handler's output (the entry is read after the
 * last of them), so running them again would apply a payload transform twice: the reply is
 * hijacked, which skips them and Fastify's send path. `onResponse` hooks and request logging still
 * run, on the response's `finish`.
 */
function sendStored(reply: FastifyReply, answer: EntryAnswer): void {
  const headers = hitHeaders(reply, answer.headers)
  reply.hijack()
  const res = reply.raw
  res.writeHead(answer.status, headers)
  // `answer.body` is undefined for HEAD and 304, as in the Express adapter's hit.
  res.end(answer.body)
}

/** The response becomes the stored entry, exactly as a hit would answer it. */
function replaceWith(reply: FastifyReply, answer: EntryAnswer): Buffer | null {
  for (const name of Object.keys(reply.getHeaders())) reply.removeHeader(name)
  reply.code(answer.status).headers(answer.headers)
  return answer.body === undefined ? null : nodeBuffer(answer.body)
}

// Fastify sends Buffers as they are; stored bodies are already Buffer views (stored-response.ts).
function nodeBuffer(body: Uint8Array): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength)
}

function payloadBytes(payload: unknown): Uint8Array | undefined {
  if (payload === null || payload === undefined) return new Uint8Array(0)
  if (typeof payload === 'string') return Buffer.from(payload)
  if (payload instanceof Uint8Array) return payload
  return undefined
}

function fastifyView(request: FastifyRequest): RoutedRequestView {
  // The URL the client sent, before any `rewriteUrl`: a rewrite may drop what the handler still
  // reads (`/fr/page` and `/en/page` both rewritten to `/page`), so the key keeps it.
  const original = request.originalUrl
  const { path, query } = splitTarget(original)
  const headers = request.headers
  return {
    routedPath: request.url === original ? undefined : splitTarget(request.url).path,
    method: request.method,
    scheme: connectionScheme(request.raw.socket),
    // As received: Fastify's host constraints tell host names apart by case, so the key must too.
    host: request.host,
    path,
    query,
    header: (name) => requestHeader(headers, name),
  }
}

function hookList<T>(hooks: T | T[] | undefined): T[] {
  if (hooks === undefined) return []
  return Array.isArray(hooks) ? hooks : [hooks]
}

function refreshFailed(error: unknown): CacheError {
  return new CacheError('E_REFRESH_FAILED', 'cachefront: a background refresh failed', { cause: error })
}
