// Cache keys: host, raw path, and the query with parameter names sorted. Nothing else unless
// named in `vary` or in the response's `Vary` (RFC 9111 §4.1).
import type { JoinedRequestView, RequestView } from './request-view.js'

/**
 * Sorts query parameters by name, keeping the order of a repeated parameter's values, and
 * re-encodes them canonically: `?a=1&b=2` and `?b=2&a=1` share a key, `?a=%41` and `?a=A` too,
 * because every framework decodes them to the same parameters. Only `&` separates parameters,
 * as in the frameworks' own parsers, so `;` cannot cloak a parameter from the key.
 */
export function normalizeQuery(query: string): string {
  if (query === '') return ''
  // A malformed or non-UTF-8 escape (`%fe`, `%%41`) would decode to U+FFFD here, yet Fastify and
  // Hono hand such text to the handler raw: `?q=%fe` and `?q=%ff` would share a key. Such a query
  // is keyed as sent; it cannot equal a canonical one, which always decodes.
  if (query.includes('%') && !decodes(query)) return query
  // A fragment sent by a raw client: Express cuts it before parsing the query, Fastify parses it
  // as part of a value. Kept as sent, it cannot equal a canonical query, where `#` is `%23`.
  if (query.includes('#')) return query
  // URLSearchParams drops one leading `?` (`/p??x=1` would key as `x`), where the frameworks'
  // parsers keep it in the name (`?x`): a leading `&` is skipped by both and keeps the `?`.
  const params = new URLSearchParams(query.charCodeAt(0) === 63 ? `&${query}` : query)
  if (!query.includes('[') && !/%5b/i.test(query)) {
    params.sort()
    return params.toString()
  }
  // qs (Express's 'extended' parser) reads `a=1&a[]=2` as one array in order: `a` and `a[…]` sort
  // as one name, keeping their relative order (Array#sort is stable). qs reads a name that opens
  // with `[` (`[a]=1`) by rules of its own: such a query keeps its order.
  const pairs = [...params]
  if (pairs.some(([name]) => name.charCodeAt(0) === 91)) return params.toString()
  pairs.sort(([a], [b]) => compareNames(bracketBase(a), bracketBase(b)))
  return new URLSearchParams(pairs).toString()
}

function decodes(text: string): boolean {
  try {
    decodeURIComponent(text)
    return true
  } catch {
    return false
  }
}

function bracketBase(name: string): string {
  const bracket = name.indexOf('[')
  return bracket === -1 ? name : name.slice(0, bracket)
}

// Code-unit order, as URLSearchParams#sort uses.
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** The key of a request's base entry (before any `Vary`): shared by GET and HEAD. */
export function baseKey(request: RequestView): string {
  const query = normalizeQuery(request.query)
  const target =
    query === ''
      ? ((request as JoinedRequestView).hostAndPath ?? `${request.host}${request.path}`)
      : `${request.host}${request.path}?${query}`
  // An https page may link differently from its http twin. http keys stay bare; another scheme is
  // named first, before a line break that no host or path holds (policy.ts), so none collide.
  const scheme = request.scheme
  return scheme === 'http' || scheme === '' ? target : `${scheme}\n${target}`
}

/** The values of `headerNames` in this request, as one string; names must be sorted, lower case. */
export function variantOf(request: RequestView, headerNames: readonly string[]): string {
  let variant = ''
  for (const name of headerNames) variant += `\n${name}:${normalizeHeaderValue(request.header(name))}`
  return variant
}

// Whitespace around commas carries no meaning in list headers (RFC 9110 §5.6.1).
function normalizeHeaderValue(value: string | undefined): string {
  if (value === undefined) return ''
  return value.trim().replace(/\s*,\s*/g, ',')
}

/** Parses a `Vary` header into sorted lower-case names; `['*']` for `Vary: *`. */
export function parseVary(value: string | undefined): readonly string[] {
  if (value === undefined || value.trim() === '') return []
  const names = new Set<string>()
  for (const part of value.split(',')) {
    const name = part.trim().toLowerCase()
    if (name === '*') return ['*']
    if (name !== '') names.add(name)
  }
  return [...names].sort()
}
