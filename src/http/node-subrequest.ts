// A background refresh for Node request listeners that offer no inject API (Express): a synthetic
// GET dispatched through the listener, answered into a response that goes nowhere but the cache.
import { IncomingMessage, ServerResponse } from 'node:http'
import { Socket } from 'node:net'
import type { Downstream } from './node-capture.js'
import type { NodeRequestHeaders } from './node-headers.js'
import { NOT_FOR_REFRESH } from './refresh-headers.js'

/** Express's `app.handle`: the whole middleware stack, with a callback for what falls through. */
export type NodeDispatch = (req: IncomingMessage, res: ServerResponse, done: (error?: unknown) => void) => void

/** The headers a refresh of a request sends: the client's, without its conditionals. */
export function refreshHeaders(headers: NodeRequestHeaders): Record<string, string | string[]> {
  const copy: Record<string, string | string[]> = {}
  for (const name of Object.keys(headers)) {
    const value = headers[name]
    if (value !== undefined && !NOT_FOR_REFRESH.has(name)) copy[name] = typeof value === 'string' ? value : [...value]
  }
  return copy
}

/**
 * Runs `dispatch` for a GET of `url`. `mark` sees the synthetic request first, so the cache
 * middleware can recognise it by identity: no header a client could forge marks a refresh. The
 * request has its own unconnected socket (no remote address), never the client's; `secure` marks
 * it as TLS, as the client's was.
 */
export function dispatchSubrequest(
  dispatch: NodeDispatch,
  url: string,
  headers: NodeRequestHeaders,
  mark: (req: IncomingMessage) => void,
  done: (error?: unknown) => void,
  secure = false,
): void {
  const socket = new Socket()
  // `req.protocol` reads the socket: an https entry's refresh must render as https did.
  if (secure) (socket as Socket & { encrypted?: boolean }).encrypted = true
  const req = new IncomingMessage(socket)
  req.method = 'GET'
  req.url = url
  req.headers = refreshHeaders(headers)
  req.httpVersionMajor = 1
  req.httpVersionMinor = 1
  req.httpVersion = '1.1'
  req.push(null) // a GET without a body: body parsers see the end at once
  const res = new ServerResponse(req)
  // A middleware before the cache may answer the refresh itself (an auth check, a rate limit):
  // its end settles the refresh, which would otherwise hold its key's flight. The cache's own
  // capture replaces this end when the request gets that far.
  const end = res.end
  res.end = function endWithoutCache(this: ServerResponse, ...args: unknown[]) {
    process.nextTick(done)
    return end.apply(this, args as Parameters<typeof end>)
  } as typeof end
  mark(req)
  dispatch(req, res, done)
}

/** A downstream that only signals the end: a refresh's response has no client. */
export function discardDownstream(res: ServerResponse): Downstream {
  return {
    writeHead: () => undefined,
    write: (_chunk, callback) => {
      if (callback !== undefined) process.nextTick(callback)
      return true
    },
    end: (_chunk, callback) => {
      process.nextTick(() => {
        callback?.()
        res.emit('finish')
        res.emit('close')
      })
    },
  }
}
