// The framework-neutral view of a request that keys, policies and option functions read.

/** What `key`, `tags` and other option functions receive, whatever the framework. */
export interface RequestView {
  /** The method the client sent (`GET`, `HEAD`, …), upper case. */
  readonly method: string
  /**
   * The scheme the request came over, lower case (`http`, `https`): from the URL (Hono, fetch) or
   * the connection (Express, Fastify; a proxy's X-Forwarded-Proto is keyed on its own).
   */
  readonly scheme: string
  /**
   * The Host (with port, if any): lower case where the framework parses it from a URL (Hono,
   * fetch); as the client sent it on Express and Fastify, whose routing may tell case apart.
   */
  readonly host: string
  /** The path exactly as received, still percent-encoded. */
  readonly path: string
  /** The query string without `?`, as received (empty when there is none). */
  readonly query: string
  /** A request header by lower-case name; repeated headers joined with `, `. */
  header(name: string): string | undefined
}

/**
 * A view whose framework routes another path than the client sent (Fastify's `rewriteUrl`): the
 * key keeps the client's, and `invalidate({ paths })` reaches the entry by either.
 */
export interface RoutedRequestView extends RequestView {
  readonly routedPath?: string
}

/**
 * A view that also holds its host and path as one string, where its URL has them side by side
 * (Hono, fetch): a key built from it is a slice of the URL rather than a join, which a Map would
 * copy into a flat string before hashing, on every lookup.
 */
export interface JoinedRequestView extends RequestView {
  /** Exactly `host + path`, or `undefined` when the URL does not hold them so. */
  readonly hostAndPath?: string | undefined
}

/** The parts of a request URL that keys read. */
export interface UrlParts {
  /** Lower case; empty for an origin-form URL. */
  readonly scheme: string
  readonly host: string
  readonly path: string
  readonly query: string
  /** `host + path` as one slice of the URL, when there is no query and both are as in the URL. */
  readonly hostAndPath: string | undefined
}

const SLASH = 47
const QUESTION = 63
const HASH = 35

/**
 * Splits a request URL (absolute, or origin-form with a separate host) into a RequestView's parts.
 * Only a scheme at the very start makes a URL absolute: a `://` later (`/p?next=http://x/home`) is
 * part of the path or query, never a host and path to key the request as (cache poisoning).
 */
export function splitUrl(url: string): UrlParts {
  let start = 0
  let host = ''
  let scheme = ''
  let lower = true
  const hostStart = url.charCodeAt(0) === SLASH ? -1 : afterScheme(url)
  if (hostStart !== -1) {
    scheme = schemeOf(url, hostStart)
    let end = hostStart
    for (; end < url.length; end++) {
      const code = url.charCodeAt(end)
      if (code === SLASH || code === QUESTION || code === HASH) break
      if ((code >= 65 && code <= 90) || code > 127) lower = false
    }
    // Hosts nearly always arrive in lower case: `toLowerCase` on every request cost ~700
    // instructions of a Hono hit (callgrind) to return the same string.
    host = lower ? url.slice(hostStart, end) : url.slice(hostStart, end).toLowerCase()
    start = end
  }
  // A fragment stays in the path or query: clients never send one, and where a raw client does,
  // the frameworks disagree on what it is (Fastify parses `/p#&q=1` as a query): kept verbatim,
  // it can only key a request apart, never onto another URL's entry.
  const q = url.indexOf('?', start)
  if (q !== -1)
    return { scheme, host, path: url.slice(start, q) || '/', query: url.slice(q + 1), hostAndPath: undefined }
  const joined = hostStart !== -1 && lower && start < url.length
  return {
    scheme,
    host,
    path: url.slice(start) || '/',
    query: '',
    hostAndPath: joined ? url.slice(hostStart) : undefined,
  }
}

/**
 * Splits the request target a Node server received (`req.url`): the path is everything before
 * `?`. A target in another form (`http://x/y`, `*`) keeps its text as the path, which does not
 * start with `/`, and so bypasses the cache (policy.ts): the handler sees that text, not a path.
 */
export function splitTarget(target: string): { path: string; query: string } {
  const q = target.indexOf('?')
  return q === -1 ? { path: target, query: '' } : { path: target.slice(0, q), query: target.slice(q + 1) }
}

/** The scheme of an absolute URL whose authority starts at `hostStart`, lower case. */
function schemeOf(url: string, hostStart: number): string {
  const length = hostStart - 3
  // http and https are nearly all: matched by character, where startsWith calls cost ~230
  // instructions a hit (callgrind).
  if (
    (length === 4 || length === 5) &&
    (url.charCodeAt(0) | 32) === 104 &&
    (url.charCodeAt(1) | 32) === 116 &&
    (url.charCodeAt(2) | 32) === 116 &&
    (url.charCodeAt(3) | 32) === 112
  ) {
    if (length === 4) return 'http'
    if ((url.charCodeAt(4) | 32) === 115) return 'https'
  }
  return url.slice(0, length).toLowerCase()
}

/** Where the authority starts after `scheme://` at the start of `url` (RFC 3986 §3.1), or -1. */
function afterScheme(url: string): number {
  let i = 0
  for (; i < url.length; i++) {
    const code = url.charCodeAt(i)
    const letter = (code | 32) >= 97 && (code | 32) <= 122 // `| 32` lower-cases ASCII letters
    if (letter) continue
    // Digits, `+`, `-` and `.` may follow the first letter.
    if (i > 0 && ((code >= 48 && code <= 57) || code === 43 || code === 45 || code === 46)) continue
    break
  }
  return i > 0 && url.startsWith('://', i) ? i + 3 : -1
}
