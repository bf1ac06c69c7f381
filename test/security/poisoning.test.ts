// Cache poisoning through unkeyed inputs: an attacker's request must never change what is stored
// for a victim's request that differs from it only in inputs the key leaves out.
import { describe, expect, it } from 'vitest'
import { ADAPTERS, type OriginRequest } from './fixtures/apps.js'
import { queryOf, useApps } from './fixtures/suite.js'

// An origin that builds absolute links the way frameworks do behind proxies.
function linkPage(request: OriginRequest, call: number): { body: string } {
  const forwarded = /host=([^;,]+)/.exec(request.header('forwarded') ?? '')?.[1]
  const host = request.header('x-forwarded-host') ?? request.header('x-host') ?? forwarded ?? request.host
  const proto =
    request.header('x-forwarded-proto') ??
    request.header('x-forwarded-scheme') ??
    /proto=([^;,]+)/.exec(request.header('forwarded') ?? '')?.[1] ??
    'https'
  const port = request.header('x-forwarded-port')
  const prefix = request.header('x-forwarded-prefix') ?? ''
  const path = request.header('x-original-url') ?? request.header('x-rewrite-url') ?? request.url
  return { body: `call ${call}: <script src="${proto}://${host}${port ? `:${port}` : ''}${prefix}/app.js"> ${path}` }
}

const CLEAN = 'https://app.test/app.js'

describe.each(ADAPTERS)('%s: poisoning through unkeyed inputs', (adapter) => {
  const open = useApps()

  it.each([
    ['x-forwarded-host', 'evil.test'],
    ['x-forwarded-proto', 'http'],
    ['x-forwarded-scheme', 'http'],
    ['x-forwarded-port', '8443'],
    ['x-forwarded-prefix', '/evil'],
    ['x-host', 'evil.test'],
    ['x-original-url', '/admin'],
    ['x-rewrite-url', '/admin'],
    ['forwarded', 'for=1.2.3.4;host=evil.test;proto=http'],
  ])('a forged %s never reaches a request without it', async (name, value) => {
    const app = await open(adapter, linkPage)
    const poisoned = await app.send('/page', { headers: { [name]: value } })
    expect(poisoned.body).not.toBe(`call 1: <script src="${CLEAN}"> /page`)
    const victim = await app.send('/page')
    expect(victim.body).toBe(`call 2: <script src="${CLEAN}"> /page`)
    // The attacker only ever poisons their own variant.
    expect((await app.send('/page', { headers: { [name]: value } })).body).toBe(poisoned.body)
    expect((await app.send('/page')).body).toBe(victim.body)
    expect(app.calls()).toBe(2)
  })

  it('behind a proxy that sets forwarding headers on every request, they share one entry', async () => {
    const app = await open(adapter, linkPage)
    const proxy = { 'x-forwarded-host': 'www.example.com', 'x-forwarded-proto': 'https' }
    await app.send('/page', { headers: { ...proxy, forwarded: 'for=10.0.0.1;host=www.example.com;proto=https' } })
    const other = await app.send('/page', {
      headers: { ...proxy, forwarded: 'for=10.0.0.2;host=www.example.com;proto=https' },
    })
    expect(other.header('cache-status')).toMatch(/^cachefront; hit/)
    expect(app.calls()).toBe(1)
  })

  it('forwardedHeaders: [] opts out (for apps that never read them)', async () => {
    const app = await open(adapter, linkPage, { route: { forwardedHeaders: [] } })
    await app.send('/page', { headers: { 'x-forwarded-host': 'evil.test' } })
    expect((await app.send('/page')).body).toContain('evil.test')
  })

  it('keys the Host header and its port: another host never gets this host’s entry', async () => {
    const app = await open(adapter, linkPage)
    const evil = await app.send('/page', { host: 'evil.test' })
    const evilPort = await app.send('/page', { host: 'app.test:8080' })
    const victim = await app.send('/page')
    expect(evil.body).toContain('evil.test')
    expect(evilPort.body).toContain('app.test:8080')
    expect(victim.body).toContain(CLEAN)
    expect(app.calls()).toBe(3)
  })

  it.each(['x-http-method-override', 'x-http-method', 'x-method-override'])(
    'a GET carrying %s bypasses the cache',
    async (header) => {
      // An origin that honours method overrides, as method-override middleware or gateways do.
      const app = await open(adapter, (request, call) => {
        const method = request.header(header) ?? request.method
        return { body: method === 'DELETE' ? `deleted ${call}` : `item ${call}` }
      })
      const attack = await app.send('/item', { headers: { [header]: 'DELETE' } })
      expect(attack.header('cache-status')).toBe('cachefront; fwd=bypass; detail=method-override')
      expect((await app.send('/item')).body).toBe('item 2')
      expect((await app.send('/item')).body).toBe('item 2')
    },
  )

  it('a GET with a body bypasses the cache', async () => {
    const app = await open(adapter, (request, call) => ({ body: `results for "${request.body}" ${call}` }))
    const attack = await app.send('/search', { body: 'poison' })
    expect(attack.header('cache-status')).toBe('cachefront; fwd=bypass; detail=body')
    expect((await app.send('/search')).body).toBe('results for "" 2')
    expect((await app.send('/search')).body).toBe('results for "" 2')
    expect(app.calls()).toBe(2)
  })

  it('a GET that announces a chunked body bypasses the cache', async () => {
    const app = await open(adapter, (_request, call) => ({ body: `page ${call}` }))
    const attack = await app.send('/search', { headers: { 'transfer-encoding': 'chunked' }, body: 'poison' })
    expect(attack.header('cache-status')).toBe('cachefront; fwd=bypass; detail=body')
  })

  it('a GET with Content-Length: 0 is cached as usual', async () => {
    const app = await open(adapter, (_request, call) => ({ body: `page ${call}` }))
    await app.send('/page', { headers: { 'content-length': '0' } })
    expect((await app.send('/page')).body).toBe('page 1')
  })

  // An origin that reflects every query parameter, parsed as the frameworks do (`&` only).
  const reflect = (request: OriginRequest, call: number): { body: string } => ({
    body: `call ${call} ${JSON.stringify([...queryOf(request.url)])}`,
  })

  it.each([
    ['an extra parameter', '/list?page=1&cb=<script>', '/list?page=1'],
    ['parameter cloaking with ;', '/list?page=1;page=evil', '/list?page=1'],
    ['an encoded ;', '/list?page=1%3Bpage=evil', '/list?page=1'],
    ['an encoded &', '/list?page=1%26evil=1', '/list?page=1'],
    ['an encoded =', '/list?page%3D1', '/list?page=1'],
    ['a repeated parameter', '/list?page=1&page=evil', '/list?page=1'],
    ['a repeated parameter, reordered', '/list?page=evil&page=1', '/list?page=1&page=evil'],
    ['an encoded ?', '/list%3Fpage=evil', '/list'],
    ['a fragment-like %23', '/list?page=1%23evil', '/list?page=1'],
    ['a doubled ?', '/list??page=evil', '/list?page=evil'],
  ])('%s never lands in another URL’s entry', async (_, attack, victim) => {
    const app = await open(adapter, reflect)
    const poisoned = await app.send(attack)
    const clean = await app.send(victim)
    expect(poisoned.header('cache-status')).toBe('cachefront; fwd=miss; stored')
    // A miss of its own: the victim's URL never shares the attacker's entry.
    expect(clean.body).toMatch(/^call 2 /)
    expect(clean.header('cache-status')).toBe('cachefront; fwd=miss; stored')
  })

  it.each([
    ['/page?next=http://evil.test/home', 'a query parameter'],
    ['/go/http://evil.test/home', 'the path'],
    ['/page?next=x://y/home', 'a query parameter, any scheme'],
  ])('a URL inside %s never keys the request as that URL’s path', async (attack) => {
    const app = await open(adapter, (request, call) => ({ body: `call ${call}: ${request.url}` }))
    expect((await app.send(attack)).body).toBe(`call 1: ${attack}`)
    const victim = await app.send('/home')
    expect(victim.body).toBe('call 2: /home')
    expect(victim.header('cache-status')).toBe('cachefront; fwd=miss; stored')
  })

  it('a fragment sent by a raw client keys the request apart', async () => {
    // Fastify reads `#&q=evil` as a query; Express and Hono hand the handler the `#` in the URL.
    const app = await open(adapter, (request, call) => ({ body: `call ${call}: ${request.url}` }))
    await app.send('/page#&q=evil')
    // Fastify's inject drops the fragment before routing: there the first answer is /page's own.
    expect((await app.send('/page')).body).toMatch(/^call \d: \/page$/)
  })

  it('a fragment after the query never lands in the entry of the query that spells it out', async () => {
    // Express cuts `#y` before parsing the query: the handler answers for x=1, not x=1#y.
    const app = await open(adapter, (request, call) => ({ body: `call ${call}: ${request.url}` }))
    await app.send('/p?x=1#y')
    expect((await app.send('/p?x=1%23y')).body).toMatch(/^call \d: \/p\?x=1%23y$/)
  })

  // On the Fetch API the Host is the URL's: the attack cannot be sent there.
  it.runIf(adapter === 'express' || adapter === 'fastify' || adapter === 'hono-node' || adapter === 'fetch-node')(
    'a Host header holding a path never keys the request as another path',
    async () => {
      const app = await open(adapter, (request, call) => ({ body: `call ${call}: ${request.host} ${request.url}` }))
      await app.send('/b', { host: 'app.test/a' })
      expect((await app.send('/a/b')).body).toMatch(/^call \d: app\.test \/a\/b$/)
      expect(app.calls()).toBe(adapter === 'hono-node' || adapter === 'fetch-node' ? 1 : 2)
    },
  )

  it.runIf(adapter === 'express' || adapter === 'hono-node' || adapter === 'fetch-node')(
    'an absolute-form target with another Host header never lands in the URL’s entry',
    async () => {
      // node-server keys the target's host; a handler that reads the Host header sees evil.test.
      const app = await open(adapter, (request, call) => ({ body: `call ${call}: ${request.header('host')}` }))
      await app.send('http://app.test/page', { host: 'evil.test' })
      expect((await app.send('/page')).body).toMatch(/^call \d: app\.test$/)
    },
  )

  it.runIf(adapter === 'express' || adapter === 'hono-node' || adapter === 'fetch-node')(
    'an absolute-form request target never lands in the origin-form URL’s entry',
    async () => {
      const app = await open(adapter, (request, call) => ({ body: `call ${call}: ${request.host} ${request.url}` }))
      const attack = await app.send('http://evil.test/page')
      const victim = await app.send('/page')
      expect(victim.body).toMatch(/^call 2: app\.test \/page$/)
      if (adapter === 'express') expect(attack.header('cache-status')).toBe('cachefront; fwd=bypass; detail=target')
    },
  )

  it('parameters in another order share one entry, as the frameworks parse them the same', async () => {
    const app = await open(adapter, reflect)
    await app.send('/list?b=2&a=1')
    const hit = await app.send('/list?a=1&b=2')
    expect(hit.header('cache-status')).toMatch(/^cachefront; hit/)
  })

  it.each([400, 405, 413, 414, 431, 500, 503])(
    'a %i caused by an unkeyed header is never stored for a URL that returns 200',
    async (status) => {
      // The classic "cache-poisoned denial of service": a header the origin chokes on.
      const app = await open(adapter, (request, call) =>
        request.header('x-oversized') !== undefined ? { status, body: `error ${call}` } : { body: `ok ${call}` },
      )
      const attack = await app.send('/home', { headers: { 'x-oversized': 'x'.repeat(4000) } })
      expect(attack.status).toBe(status)
      const victim = await app.send('/home')
      expect(victim.status).toBe(200)
      expect(victim.body).toBe('ok 2')
    },
  )

  it('an error status stays unstored even when the route stores 404s', async () => {
    const app = await open(
      adapter,
      (request, call) => (request.header('x-bad') ? { status: 400, body: 'bad' } : { body: `ok ${call}` }),
      { route: { statuses: [200, 404] } },
    )
    await app.send('/home', { headers: { 'x-bad': '1' } })
    expect((await app.send('/home')).status).toBe(200)
  })
})
