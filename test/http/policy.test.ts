import { describe, expect, it } from 'vitest'
import { createCache } from '../../src/index.js'
import { clientForcesRefresh, requestBypass, responseNotStored } from '../../src/http/policy.js'
import { resolveRouteOptions, type RouteOptions } from '../../src/http/route-options.js'
import type { RequestView } from '../../src/http/request-view.js'

const cache = createCache()
const route = (options: RouteOptions = {}) => resolveRouteOptions({ cache, ...options })

function request(method: string, headers: Record<string, string> = {}): RequestView {
  return { method, scheme: 'http', host: 'app.test', path: '/', query: '', header: (name) => headers[name] }
}

function response(status: number, headers: Record<string, string> = {}) {
  return { status, header: (name: string) => headers[name], hasSetCookie: 'set-cookie' in headers }
}

describe('request bypass', () => {
  it.each([
    ['POST', {}, 'method'],
    ['GET', { authorization: 'Bearer x' }, 'authorization'],
    ['GET', { cookie: 's=1' }, 'cookie'],
    ['GET', { 'x-http-method-override': 'DELETE' }, 'method-override'],
    ['GET', { 'content-length': '5' }, 'body'],
    ['GET', {}, undefined],
    ['HEAD', {}, undefined],
  ])('%s with %j → %s', (method, headers, reason) => {
    expect(requestBypass(route(), request(method, headers))).toBe(reason)
  })

  it.each(['app.test', 'APP.test:8080', '[::1]:3000', 'app.test.', 'my_host:80', 'xn--bcher-kva.example', '', 'a b'])(
    'caches a request to the host %j',
    (host) => {
      expect(requestBypass(route(), { ...request('GET'), host, path: '/p' })).toBeUndefined()
    },
  )

  it.each([
    ['app.test/a', '/b'],
    ['app.test\nx', '/b'],
    ['app.test', 'http://evil.test/b'],
    ['app.test', '*'],
  ])('bypasses host %j with path %j (target)', (host, path) => {
    expect(requestBypass(route(), { ...request('GET'), host, path })).toBe('target')
  })

  it('lets a route opt in to Authorization and Cookie', () => {
    const open = route({ allowAuthorization: true, allowCookies: true })
    expect(requestBypass(open, request('GET', { authorization: 'Bearer x', cookie: 's=1' }))).toBeUndefined()
  })

  it('honours a client no-cache only when the route opts in', () => {
    const noCache = request('GET', { 'cache-control': 'no-cache' })
    expect(clientForcesRefresh(route(), noCache)).toBe(false)
    expect(clientForcesRefresh(route({ honorClientNoCache: true }), noCache)).toBe(true)
    expect(clientForcesRefresh(route({ honorClientNoCache: true }), request('GET', { pragma: 'no-cache' }))).toBe(true)
  })
})

describe('response storability (RFC 9111 §3)', () => {
  it.each([
    [200, {}, undefined],
    [404, {}, 'status'],
    [206, {}, 'status'],
    [200, { 'set-cookie': 'a=1' }, 'set-cookie'],
    [200, { 'cache-control': 'public, no-store' }, 'no-store'],
    [200, { 'cache-control': 'private="x"' }, 'private'],
    [200, { 'cache-control': 'no-cache' }, 'no-cache'],
    [200, { vary: '*' }, 'vary'],
    [200, { vary: 'Cookie' }, 'vary'],
    [200, { 'content-length': String(2 * 1024 * 1024) }, 'too-large'],
    [200, { 'cache-control': 'public, max-age=60', vary: 'Accept-Encoding' }, undefined],
  ])('%i with %j → %s', (status, headers, reason) => {
    expect(responseNotStored(route(), response(status, headers))).toBe(reason)
  })

  it('stores the statuses a route lists, never 206 or 304', () => {
    const listed = route({ statuses: [200, 404, 206, 304] })
    expect(responseNotStored(listed, response(404))).toBeUndefined()
    expect(responseNotStored(listed, response(206))).toBe('status')
    expect(responseNotStored(listed, response(304))).toBe('status')
  })
})
