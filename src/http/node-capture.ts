// Captures what a handler writes to a Node ServerResponse (send, json, render, write/end, piped
// streams) by wrapping writeHead/write/end on that one response, and feeds it to a OriginFill.
import type { OutgoingHttpHeader, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import { CACHE_STATUS_HEADER } from './cache-status.js'
import type { StoredAnswer, OriginFill } from './request-flow.js'
import { entryAnswer, type EntryAnswer, type NodeHeaders } from './node-headers.js'
import type { RequestView } from './request-view.js'

/** Where captured output finally goes: the client, or nowhere (a background refresh). */
export interface Downstream {
  writeHead(status: number, headers?: OutgoingHttpHeaders): void
  write(chunk: Uint8Array, callback?: () => void): boolean
  end(chunk: Uint8Array | undefined, callback?: () => void): void
}

type Callback = (error?: Error | null) => void
const EMPTY = new Uint8Array(0)

/** The response's own writeHead/write/end as they were before capture: the client. */
export function clientDownstream(res: ServerResponse): Downstream {
  const writeHead = res.writeHead as (status: number, headers?: OutgoingHttpHeaders) => void
  const write = res.write as (chunk: Uint8Array, callback?: () => void) => boolean
  const end = res.end as (chunk: Uint8Array, callback?: () => void) => void
  return {
    writeHead: (status, headers) => writeHead.call(res, status, headers),
    write: (chunk, callback) => write.call(res, chunk, callback),
    end: (chunk, callback) => end.call(res, chunk ?? EMPTY, callback),
  }
}

/** Writes an entry through `downstream`, replacing whatever headers the handler had set. */
export function writeAnswer(res: ServerResponse, downstream: Downstream, answer: EntryAnswer, done?: Callback): void {
  for (const name of res.getHeaderNames()) res.removeHeader(name)
  downstream.writeHead(answer.status, answer.headers)
  downstream.end(answer.body, done)
}

/**
 * Wraps `res` so that its body is held (up to `maxBodyBytes`) until the handler ends it, then
 * stored and answered as the entry; a response that may not be stored goes through untouched.
 * The head is held too, so that Cache-Status can say whether the response was stored.
 */
export function captureResponse(
  res: ServerResponse,
  fill: OriginFill,
  request: RequestView,
  maxBodyBytes: number,
  downstream: Downstream,
  now: () => number,
): void {
  let mode: 'head' | 'buffer' | 'pass' | 'replace' | 'done' = 'head'
  let status = 200
  let replacement: StoredAnswer | undefined
  const chunks: Uint8Array[] = []
  let total = 0
  const writeHead = res.writeHead

  function decide(): void {
    const verdict = fill.head(status, res.getHeaders())
    if (verdict.kind === 'buffer') mode = 'buffer'
    else if (verdict.kind === 'stale') {
      mode = 'replace'
      replacement = verdict.answer
    } else {
      mode = 'pass'
      res.setHeader(CACHE_STATUS_HEADER, verdict.cacheStatus)
      downstream.writeHead(status)
    }
  }

  // Past the limit, what was held goes out first and the rest streams through, never held whole.
  function overflow(): void {
    mode = 'pass'
    res.setHeader(CACHE_STATUS_HEADER, fill.tooLarge())
    res.removeHeader('content-length')
    downstream.writeHead(status)
    for (const chunk of chunks.splice(0)) downstream.write(chunk)
  }

  function hold(chunk: Uint8Array): void {
    chunks.push(chunk)
    total += chunk.byteLength
    if (total > maxBodyBytes) overflow()
  }

  res.writeHead = function capturedWriteHead(
    this: ServerResponse,
    code: number,
    reason?: string | OutgoingHttpHeaders | OutgoingHttpHeader[],
    headers?: OutgoingHttpHeaders | OutgoingHttpHeader[],
  ): ServerResponse {
    // Called again by whatever wraps us (a compression layer's end) once we have answered.
    if (mode === 'done' || mode === 'pass') return writeHead.apply(this, [code, reason, headers] as never)
    if (mode !== 'head') return this
    status = code
    const given = typeof reason === 'string' ? headers : reason
    if (typeof reason === 'string') this.statusMessage = reason
    if (given !== undefined) applyHeaders(this, given)
    decide()
    return this
  } as ServerResponse['writeHead']

  res.write = function capturedWrite(this: ServerResponse, chunk: unknown, ...rest: unknown[]): boolean {
    const callback = rest.find((arg): arg is Callback => typeof arg === 'function')
    // The implicit head goes through res.writeHead, so that layers wrapping it after us (a session
    // that adds Set-Cookie, compression) have set their headers when storability is decided.
    if (mode === 'head') this.writeHead(this.statusCode)
    const bytes = toBytes(chunk, rest[0])
    if (mode === 'pass' || mode === 'done') return downstream.write(bytes, callback)
    if (mode === 'buffer') hold(bytes)
    if (callback !== undefined) process.nextTick(callback)
    return true
  } as ServerResponse['write']

  res.end = function capturedEnd(this: ServerResponse, chunk?: unknown, ...rest: unknown[]): ServerResponse {
    const callback = [chunk, ...rest].find((arg): arg is Callback => typeof arg === 'function')
    if (mode === 'done') return this
    // The implicit head goes through res.writeHead, so that layers wrapping it after us (a session
    // that adds Set-Cookie, compression) have set their headers when storability is decided.
    if (mode === 'head') this.writeHead(this.statusCode)
    let bytes = typeof chunk === 'function' || chunk == null ? undefined : toBytes(chunk, rest[0])
    if (bytes !== undefined && mode === 'buffer') {
      hold(bytes)
      bytes = undefined // held, or already flushed by an overflow
    }
    if (mode === 'pass') {
      mode = 'done'
      downstream.end(bytes, callback)
      return this
    }
    if (mode === 'replace') {
      mode = 'done'
      writeAnswer(this, downstream, entryAnswer(replacement!.entry, request, replacement!.cacheStatus, now()), callback)
      return this
    }
    mode = 'done'
    const body = concat(chunks, total)
    // The head goes out before the entry is stored: layers that wrapped writeHead before us (a
    // session adding its Set-Cookie as the head is written) add their headers only then.
    let sent: EntryAnswer | undefined
    try {
      fill.completeAfterHead(body, (answer, notStoredStatus) => {
        sent = entryAnswer(answer.entry, request, answer.cacheStatus, now())
        return sendHead(this, downstream, sent, notStoredStatus)
      })
    } catch (error) {
      // A layer threw as the head went out: nothing was stored. Whatever answers the error (the
      // framework's error handler) writes through untouched, without this answer's headers.
      if (!this.headersSent) for (const name of this.getHeaderNames()) this.removeHeader(name)
      mode = 'pass'
      throw error
    }
    if (sent !== undefined) downstream.end(sent.body, callback)
    else {
      // The fill was let go (the client left): nothing was stored, the body goes out as it came.
      downstream.writeHead(status)
      downstream.end(body, callback)
    }
    return this
  } as ServerResponse['end']

  // A client that goes away before the end leaves the fill to its waiters, who then ask themselves.
  // One that left before capture began (during a slow middleware) has no 'close' left to send.
  if (res.destroyed) fill.abandon()
  else res.once('close', () => fill.abandon())
}

/**
 * Writes `answer`'s head through `downstream`, in place of whatever headers the handler set, and
 * returns the headers finally sent. Headers that layers add as the head goes out are watched: once
 * they keep the answer from being stored, its Cache-Status says so (`notStoredStatus`).
 */
function sendHead(
  res: ServerResponse,
  downstream: Downstream,
  answer: EntryAnswer,
  notStoredStatus: (headers: NodeHeaders) => string | undefined,
): NodeHeaders {
  for (const name of res.getHeaderNames()) res.removeHeader(name)
  // Set on the response rather than passed to writeHead: a wrapper that adds headers and then
  // calls on with ours would otherwise have ours, Cache-Status included, written over its own.
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value)
  const own = {
    setHeader: Object.getOwnPropertyDescriptor(res, 'setHeader'),
    appendHeader: Object.getOwnPropertyDescriptor(res, 'appendHeader'),
  }
  const setHeader = res.setHeader
  const appendHeader = res.appendHeader
  let stored = true
  const recheck = (): void => {
    if (!stored) return
    const status = notStoredStatus(res.getHeaders())
    if (status === undefined) return
    stored = false
    setHeader.call(res, CACHE_STATUS_HEADER, status)
  }
  res.setHeader = function watchedSetHeader(this: ServerResponse, ...args: Parameters<ServerResponse['setHeader']>) {
    const result = setHeader.apply(this, args)
    recheck()
    return result
  } as ServerResponse['setHeader']
  res.appendHeader = function watchedAppendHeader(
    this: ServerResponse,
    ...args: Parameters<ServerResponse['appendHeader']>
  ) {
    const result = appendHeader.apply(this, args)
    recheck()
    return result
  } as ServerResponse['appendHeader']
  try {
    downstream.writeHead(answer.status)
  } finally {
    restore(res, 'setHeader', own.setHeader)
    restore(res, 'appendHeader', own.appendHeader)
  }
  return res.getHeaders() as NodeHeaders
}

function restore(res: ServerResponse, name: 'setHeader' | 'appendHeader', own: PropertyDescriptor | undefined): void {
  if (own === undefined) delete (res as unknown as Record<string, unknown>)[name]
  else Object.defineProperty(res, name, own)
}

function applyHeaders(res: ServerResponse, headers: OutgoingHttpHeaders | OutgoingHttpHeader[]): void {
  if (!Array.isArray(headers)) {
    for (const [name, value] of Object.entries(headers)) if (value !== undefined) res.setHeader(name, value)
    return
  }
  // Raw form `[name, value, name, value]`, or a list of `[name, value]` pairs.
  const flat = headers.flat()
  for (let i = 0; i + 1 < flat.length; i += 2) res.appendHeader(String(flat[i]), String(flat[i + 1]))
}

function toBytes(chunk: unknown, encoding: unknown): Uint8Array {
  if (typeof chunk === 'string')
    return Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
  if (chunk instanceof Uint8Array) return chunk
  throw new TypeError('cachefront: a response chunk must be a string, Buffer or Uint8Array')
}

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!
  return Buffer.concat(chunks, total)
}
