// The one-pass header scan must decide exactly as looking up every header by name would: a scan
// that missed a header would let an authorized, forged or no-cache request through the cache.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { createCache } from '../../src/index.js'
import { ANY_HEADERS, HeaderGroup, scanNodeHeaders } from '../../src/http/header-scan.js'
import { routeKey } from '../../src/http/lookup.js'
import { clientForcesRefresh, requestBypass } from '../../src/http/policy.js'
import { resolveRouteOptions, type RouteOptions } from '../../src/http/route-options.js'
import type { RequestView } from '../../src/http/request-view.js'

const cache = createCache()
const route = (options: RouteOptions = {}) => resolveRouteOptions({ cache, ...options })

function view(headers: Record<string, string>): RequestView {
  return { method: 'GET', scheme: 'http', host: 'app.test', path: '/p', query: '', header: (name) => headers[name] }
}

const NAMES = [
  'host',
  'accept',
  'user-agent',
  'if-none-match',
  'authorization',
  'cookie',
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
  'transfer-encoding',
  'content-length',
  'cache-control',
  'pragma',
  'x-forwarded-host',
  'x-forwarded-proto',
  'forwarded',
  'x-original-url',
  'x-tenant',
]
const VALUES = ['1', '0', 'no-cache', 'max-age=0', 'evil.test', 'host=evil.test;proto=http', 's=1', 'DELETE']

describe('header scan', () => {
  it('finds each group among Node headers, and nothing in an ordinary GET', () => {
    const table = route().headerTable
    expect(scanNodeHeaders({ host: 'a', accept: '*/*', 'if-none-match': '"x"' }, table)).toBe(0)
    expect(scanNodeHeaders({ cookie: 's=1' }, table)).toBe(HeaderGroup.Bypass)
    expect(scanNodeHeaders({ pragma: 'no-cache' }, table)).toBe(HeaderGroup.Refresh)
    expect(scanNodeHeaders({ 'x-forwarded-host': 'a' }, table)).toBe(HeaderGroup.Forwarded)
    expect(scanNodeHeaders({ 'x-tenant': 'a' }, route({ forwardedHeaders: ['X-Tenant'] }).headerTable)).toBe(
      HeaderGroup.Forwarded,
    )
    expect(scanNodeHeaders({ 'x-forwarded-host': 'a' }, route({ forwardedHeaders: [] }).headerTable)).toBe(0)
  })

  it('bypass, forced refresh and key are the same with the scan as with a lookup per name', () => {
    const routes = [
      route(),
      route({ honorClientNoCache: true, allowCookies: true }),
      route({ forwardedHeaders: ['x-tenant'], allowAuthorization: true }),
    ]
    const headerSets = fc.dictionary(fc.constantFrom(...NAMES), fc.constantFrom(...VALUES), { maxKeys: 6 })
    fc.assert(
      fc.property(headerSets, fc.constantFrom(...routes), (headers, plan) => {
        const request = view(headers)
        const present = scanNodeHeaders(headers, plan.headerTable)
        expect(requestBypass(plan, request, present)).toBe(requestBypass(plan, request, ANY_HEADERS))
        expect(clientForcesRefresh(plan, request, present)).toBe(clientForcesRefresh(plan, request, ANY_HEADERS))
        expect(routeKey(plan, request, present)).toBe(routeKey(plan, request, ANY_HEADERS))
      }),
      { numRuns: 2000 },
    )
  })
})
