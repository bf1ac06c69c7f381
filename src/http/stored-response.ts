// A response as stored bytes: status, filtered headers, strong ETag, body. Header lists are built
// once per entry (memoized) so that hits only add Age and Cache-Status.
import type { CacheEntry, EntryMeta } from '../stores/store.js'
import { computeEtag, isStrongEtag } from './etag.js'

/** The metadata of a stored response; a `varyOn` entry is a marker that points to variants. */
export interface ResponseMeta extends EntryMeta {
  readonly status: number
  /** Header names (lower case) and values, alternating: `[name, value, name, value, …]`. */
  readonly headers: readonly string[]
  readonly etag: string
  /** The request headers (beyond the route's `vary`) that the response's `Vary` named. */
  readonly varyOn: readonly string[]
  /** The values of `varyOn` in the request that filled it (see `variantOf`). */
  readonly variant: string
  /** True for a marker entry: no response, only where its variants are keyed. */
  readonly marker: boolean
}

// Hop-by-hop headers (RFC 9110 §7.6.1), and those the cache sets itself on every answer.
const NOT_STORED = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'set-cookie',
  'age',
  'cache-status',
  'content-length',
  'etag',
])

/**
 * True for a header name a stored response may carry: what `responseMeta` keeps, and the ETag it
 * adds. An entry with any other (framing, hop-by-hop, Set-Cookie) was not written by us.
 */
export function isStorableHeaderName(name: string): boolean {
  return name === 'etag' || !NOT_STORED.has(name)
}

export function responseMeta(
  status: number,
  headers: Iterable<readonly [string, string]>,
  body: Uint8Array,
  varyOn: readonly string[],
  variant: string,
): ResponseMeta {
  const flat: string[] = []
  let originEtag: string | undefined
  let contentEncoding = ''
  const connectionListed = new Set<string>()
  const pairs: (readonly [string, string])[] = []
  for (const [rawName, value] of headers) {
    const name = rawName.toLowerCase()
    if (name === 'etag') originEtag = value
    else if (name === 'content-encoding') contentEncoding = value
    else if (name === 'connection')
      for (const listed of value.split(',')) connectionListed.add(listed.trim().toLowerCase())
    pairs.push([name, value])
  }
  for (const [name, value] of pairs) {
    if (!NOT_STORED.has(name) && !connectionListed.has(name)) flat.push(name, value)
  }
  // Keep the origin's own strong validator; a weak or missing one is replaced by ours.
  const etag = isStrongEtag(originEtag) ? originEtag : computeEtag(status, variant, contentEncoding, body)
  flat.push('etag', etag)
  return { status, headers: flat, etag, varyOn, variant, marker: false }
}

export function markerMeta(varyOn: readonly string[]): ResponseMeta {
  return { status: 0, headers: [], etag: '', varyOn, variant: '', marker: true }
}

export function isMarker(entry: CacheEntry): boolean {
  return (entry.meta as ResponseMeta).marker === true
}

/** What a hit needs, computed once per entry. */
export interface PreparedResponse {
  readonly status: number
  readonly etag: string
  /**
   * The stored body; a Node `Buffer` view of it where Buffer exists (no copy): Node's streams wrap
   * every plain Uint8Array written in a new Buffer, which would be one allocation per hit.
   */
  readonly body: Uint8Array
  /** The entry's body as stored, which `body` views: tells whether this memo fits an entry. */
  readonly source: Uint8Array
  /**
   * Stored headers plus content-length, as a plain object: what Node's `writeHead` takes, and what
   * @hono/node-server passes straight to it (an array or a `Headers` would be converted per hit).
   * Its last two fields, `age` and `cache-status`, are empty placeholders that every answer fills
   * (or deletes): copy it, then set them. See `ANSWER_SLOTS`.
   */
  readonly record: Readonly<Record<string, string>>
  /** The headers a 304 carries (RFC 9110 §15.4.5), as a plain object, with the same placeholders. */
  readonly notModifiedRecord: Readonly<Record<string, string>>
  /** The last answer built from this entry, reused while its Age and Cache-Status are the same. */
  lastAnswer: AnswerMemo | undefined
  lastNotModified: AnswerMemo | undefined
}

/** Headers of one answer: they change at most once a second (Age, Cache-Status's ttl). */
export interface AnswerMemo {
  readonly age: number
  readonly cacheStatus: string
  readonly headers: Readonly<Record<string, string>>
}

// Keyed by the meta object: one per fill, shared by every entry built from it (the Redis store
// builds a new entry per read around the same meta and body while the stored bytes are unchanged).
// The body is checked too: an entry with the same meta and another body gets its own record.
const prepared = new WeakMap<object, PreparedResponse>()

// Set on every answer. V8 copies a plain object fast (`{ ...record }`), but adding two properties to
// the copy made it slow: 1 µs per hit, a sixth of a Hono hit's CPU (measured with Node 20). Slots
// present in the original keep the copy's shape, and filling them costs ~20 ns.
const ANSWER_SLOTS = ['age', 'cache-status'] as const
const NOT_MODIFIED_HEADERS = new Set(['cache-control', 'content-location', 'date', 'etag', 'expires', 'vary'])

export function prepare(entry: CacheEntry): PreparedResponse {
  const meta = entry.meta as ResponseMeta
  let ready = prepared.get(meta)
  if (ready !== undefined && ready.source === entry.body) return ready
  const record: Record<string, string> = {}
  const notModifiedRecord: Record<string, string> = {}
  const flat = meta.headers
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = flat[i]!
    const value = flat[i + 1]!
    record[name] = name in record && name !== 'etag' ? `${record[name]}, ${value}` : value
    if (NOT_MODIFIED_HEADERS.has(name)) {
      notModifiedRecord[name] = record[name]!
    }
  }
  // A 204 has no Content-Length (RFC 9110 §8.6).
  if (meta.status !== 204) record['content-length'] = String(entry.body.byteLength)
  for (const name of ANSWER_SLOTS) {
    record[name] = ''
    notModifiedRecord[name] = ''
  }
  ready = {
    status: meta.status,
    etag: meta.etag,
    body: asBuffer(entry.body),
    source: entry.body,
    record,
    notModifiedRecord,
    lastAnswer: undefined,
    lastNotModified: undefined,
  }
  prepared.set(meta, ready)
  return ready
}

const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer

function asBuffer(body: Uint8Array): Uint8Array {
  if (NodeBuffer === undefined || NodeBuffer.isBuffer(body)) return body
  return NodeBuffer.from(body.buffer, body.byteOffset, body.byteLength)
}
