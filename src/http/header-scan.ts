// Which of the request headers the flow reads are present, found in one pass over the request's
// headers. A hit would otherwise look up some twenty names one by one (bypass, refresh and
// forwarding headers), nearly all of them absent on an ordinary GET.
import type { NodeRequestHeaders } from './node-headers.js'

/** Groups of request headers, as bits of a `present` mask. */
export const HeaderGroup = {
  /** Headers that may make a request skip the cache (see `requestBypass`). */
  Bypass: 1,
  /** Cache-Control and Pragma, with which a client may force a refresh. */
  Refresh: 2,
  /** The route's forwarding headers, keyed when present. */
  Forwarded: 4,
} as const

/** For adapters that cannot list a request's headers: every group may be present. */
export const ANY_HEADERS = -1

/** Lower-case header name → the groups it belongs to, per route. */
export type HeaderTable = ReadonlyMap<string, number>

// Headers with which clients ask frameworks (Express's method-override, Rails, Symfony, many API
// gateways) to route a request as another method: a "GET" carrying one may run a DELETE's handler.
export const METHOD_OVERRIDE_HEADERS = ['x-http-method-override', 'x-http-method', 'x-method-override'] as const
const BYPASS_HEADERS = [...METHOD_OVERRIDE_HEADERS, 'transfer-encoding', 'content-length', 'authorization', 'cookie']
const REFRESH_HEADERS = ['cache-control', 'pragma']

export function headerTable(forwardedHeaders: readonly string[]): HeaderTable {
  const table = new Map<string, number>()
  const add = (names: readonly string[], group: number): void => {
    for (const name of names) table.set(name, (table.get(name) ?? 0) | group)
  }
  add(BYPASS_HEADERS, HeaderGroup.Bypass)
  add(REFRESH_HEADERS, HeaderGroup.Refresh)
  add(forwardedHeaders, HeaderGroup.Forwarded)
  return table
}

/** The groups present among Node's parsed request headers (names already lower case). */
export function scanNodeHeaders(headers: NodeRequestHeaders, table: HeaderTable): number {
  let present = 0
  for (const name in headers) {
    const group = table.get(name)
    if (group !== undefined) present |= group
  }
  return present
}

/**
 * The groups present among Node's parsed headers when they hold every header line the client sent,
 * else `undefined`. Node parses at most `maxHeadersCount` lines (1,000 by default) into `headers`;
 * the lines after stay in `rawHeaders` alone, where @hono/node-server builds the Web Headers from:
 * a handler would read a Cookie that the scan did not see. A repeated name also reads `undefined`
 * (two raw lines, one parsed name): Node keeps the first of some where the Web Headers join them
 * all, and such requests are rare.
 */
export function scanAllNodeHeaders(
  headers: NodeRequestHeaders,
  rawHeaders: readonly string[],
  table: HeaderTable,
): number | undefined {
  let present = 0
  let names = 0
  for (const name in headers) {
    names++
    const group = table.get(name)
    if (group !== undefined) present |= group
  }
  return names * 2 === rawHeaders.length ? present : undefined
}
