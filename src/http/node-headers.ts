// Node's header objects (`res.getHeaders()`, `req.headers`) in the shapes the http layer reads,
// and a stored entry as the status, headers and body a Node response writes.
import type { CacheEntry } from '../stores/store.js'
import type { ResponseFacts } from './policy.js'
import { entryHead } from './entry-head.js'
import type { RequestView } from './request-view.js'

/** Response headers as Node and Fastify hold them: lower-case names, repeated ones as arrays. */
export type NodeHeaders = { readonly [name: string]: number | string | readonly string[] | undefined }

/** Request headers as Node parses them. */
export type NodeRequestHeaders = { readonly [name: string]: string | readonly string[] | undefined }

export function nodeFacts(status: number, headers: NodeHeaders): ResponseFacts {
  return {
    status,
    header: (name) => single(headers[name]),
    hasSetCookie: headers['set-cookie'] !== undefined,
  }
}

export function nodeHeaderPairs(headers: NodeHeaders): [string, string][] {
  const pairs: [string, string][] = []
  for (const name of Object.keys(headers)) {
    const value = headers[name]
    if (value === undefined) continue
    if (typeof value === 'object') for (const item of value) pairs.push([name, item])
    else pairs.push([name, String(value)])
  }
  return pairs
}

/**
 * The `Vary` a response is stored under. An encoded body (gzip from a compression layer) can only
 * answer clients that sent the same Accept-Encoding, so it is always part of the variant even when
 * the encoder forgot to say so (RFC 9110 §12.5.3, §8.4).
 */
export function storedVary(headers: NodeHeaders): string | undefined {
  const vary = single(headers['vary'])
  const encoding = single(headers['content-encoding'])
  if (encoding === undefined || encoding === 'identity') return vary
  if (vary === undefined || vary.trim() === '') return 'accept-encoding'
  return /(?:^|,)\s*accept-encoding\s*(?:,|$)/i.test(vary) ? vary : `${vary}, accept-encoding`
}

/** A request header by lower-case name, repeated ones joined as RequestView promises. */
export function requestHeader(headers: NodeRequestHeaders, name: string): string | undefined {
  const value = headers[name]
  return typeof value === 'object' ? value.join(', ') : value
}

function single(value: number | string | readonly string[] | undefined): string | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'object') return value.join(', ')
  return String(value)
}

/** A stored entry as a Node response: 304 when If-None-Match matches, no body for HEAD. */
export interface EntryAnswer {
  readonly status: number
  readonly headers: Record<string, string>
  /** `undefined` when the answer has no body (304, HEAD). */
  readonly body: Uint8Array | undefined
}

/**
 * `headBody`: keep the body on a HEAD answer, for frameworks that set Content-Length from the
 * body they send (Fastify); Node itself never writes a body for HEAD (RFC 9110 §9.3.2).
 */
export function entryAnswer(
  entry: CacheEntry,
  request: RequestView,
  cacheStatus: string,
  now: number,
  headBody = false,
): EntryAnswer {
  const head = entryHead(entry, request, cacheStatus, now)
  const body = head.notModified || (request.method === 'HEAD' && !headBody) ? undefined : head.ready.body
  return { status: head.status, headers: head.headers, body }
}

/** `https` when a Node request came over TLS (its socket is a TLSSocket, `encrypted`), else `http`. */
export function connectionScheme(socket: unknown): string {
  return (socket as { encrypted?: unknown } | null | undefined)?.encrypted === true ? 'https' : 'http'
}
