// Private data leakage: a response meant for one user (by request credentials, by what the
// response says about itself, or by timing) must never be stored and served to another.
import { describe, expect, it } from 'vitest'
import { deferred } from '../helpers/deferred.js'
import { ADAPTERS, type OriginReply, type OriginRequest } from './fixtures/apps.js'
import { until, useApps } from './fixtures/suite.js'

function whoami(request: OriginRequest, call: number): OriginReply {
  const user = request.header('authorization') ?? request.header('cookie') ?? 'anonymous'
  return { body: `for ${user} #${call}` }
}

describe.each(ADAPTERS)('%s: private data leakage', (adapter) => {
  const open = useApps()

  it.each([
    ['authorization', 'Bearer alice-token'],
    ['cookie', 'session=alice'],
    ['Authorization', 'Basic YWxpY2U6cHc='],
  ])('a request with %s is answered by the origin and never stored', async (name, value) => {
    const app = await open(adapter, whoami)
    const alice = await app.send('/account', { headers: { [name]: value } })
    expect(alice.body).toContain(value)
    const bob = await app.send('/account')
    expect(bob.body).toBe('for anonymous #2')
    // And an anonymous entry is never served to a request with credentials.
    expect((await app.send('/account', { headers: { [name]: value } })).body).toContain(value)
  })

  it.each([
    ['Set-Cookie', { 'set-cookie': 'token=alice' }],
    ['two Set-Cookie', { 'set-cookie': ['a=1', 'token=alice'] }],
    ['Cache-Control: private', { 'cache-control': 'private' }],
    ['Cache-Control: Private (case)', { 'cache-control': 'max-age=60, Private' }],
    ['Cache-Control: private="set-cookie"', { 'cache-control': 'public, private="set-cookie"' }],
    ['Cache-Control: no-store', { 'cache-control': 'no-store' }],
    ['Cache-Control:  NO-STORE (spaces, case)', { 'cache-control': 'public ,  NO-STORE ' }],
    ['Cache-Control: no-cache', { 'cache-control': 'no-cache' }],
    ['Cache-Control: no-cache="set-cookie"', { 'cache-control': 'no-cache="set-cookie"' }],
    ['two Cache-Control headers, one private', { 'cache-control': ['public, max-age=60', 'private'] }],
    ['Vary: *', { vary: '*' }],
    ['Vary: Cookie', { vary: 'Cookie' }],
    ['Vary: accept, cookie', { vary: 'accept, cookie' }],
    ['Vary: Authorization', { vary: 'Authorization' }],
  ])('a response with %s is never stored', async (_, headers) => {
    const app = await open(adapter, (_request, call) => ({ headers, body: `secret #${call}` }))
    await app.send('/private')
    const second = await app.send('/private')
    expect(second.body).toBe('secret #2')
    expect(second.header('cache-status')).toMatch(/^cachefront; fwd=miss; detail=/)
  })

  it('a session cookie added by an outer middleware never reaches another user', async () => {
    const app = await open(adapter, (_request, call) => ({ body: `page #${call}` }), { sessionCookie: true })
    const seen = new Set<string>()
    for (let i = 0; i < 4; i++) {
      const response = await app.send('/page')
      const cookie = response.header('set-cookie')
      expect(cookie).toMatch(/^sid=session-\d+/)
      expect(seen.has(cookie!)).toBe(false)
      seen.add(cookie!)
    }
  })

  it('waiters on a leader whose response turns out private each get their own', async () => {
    const gate = deferred()
    const app = await open(adapter, async (request, call) => {
      if (call === 1) await gate.promise
      return { headers: { 'set-cookie': `token=user-${call}` }, body: `secret of caller #${call}` }
    })
    const leader = app.send('/dashboard')
    await until(() => app.calls() === 1, 'leader at the origin')
    const waiters = [app.send('/dashboard'), app.send('/dashboard')]
    await until(() => app.cache.stats().coalescedWaits === 2, 'two waiters')
    gate.resolve()
    const [first, ...rest] = await Promise.all([leader, ...waiters])
    expect(first!.body).toBe('secret of caller #1')
    expect(rest.map((r) => r.body).sort()).toEqual(['secret of caller #2', 'secret of caller #3'])
    for (const response of rest) expect(response.header('set-cookie')).not.toContain('user-1')
  })

  it('a stale-while-revalidate refresh never runs with a user’s credentials', async () => {
    const seenByOrigin: string[] = []
    const app = await open(
      adapter,
      (request, call) => {
        seenByOrigin.push(request.header('cookie') ?? request.header('authorization') ?? 'none')
        return whoami(request, call)
      },
      { route: { ttl: '10s', staleWhileRevalidate: '1m' } },
    )
    await app.send('/feed')
    app.clock.advance(11_000)
    // Stale now: credentialed requests bypass; they neither get the stale entry nor start a refresh.
    expect((await app.send('/feed', { headers: { cookie: 'session=alice' } })).body).toContain('alice')
    expect((await app.send('/feed', { headers: { authorization: 'Bearer bob' } })).body).toContain('bob')
    const stale = await app.send('/feed')
    expect(stale.header('cache-status')).toMatch(/detail=stale-while-revalidate/)
    await until(() => app.calls() === 4, 'the background refresh')
    expect(seenByOrigin).toEqual(['none', 'session=alice', 'Bearer bob', 'none'])
    const fresh = await app.send('/feed')
    expect(fresh.body).toBe('for anonymous #4')
  })

  it('ETags of different variants never match each other', async () => {
    const app = await open(adapter, (request) => ({
      headers: { vary: 'Accept-Language' },
      body: request.header('accept-language') === 'fr' ? 'bonjour' : 'hello',
    }))
    const en = await app.send('/greet', { headers: { 'accept-language': 'en' } })
    const fr = await app.send('/greet', { headers: { 'accept-language': 'fr' } })
    expect(en.header('etag')).toBeDefined()
    expect(en.header('etag')).not.toBe(fr.header('etag'))
    // The English ETag sent with a French request is not a match: the French body comes back.
    const cross = await app.send('/greet', {
      headers: { 'accept-language': 'fr', 'if-none-match': en.header('etag')! },
    })
    expect(cross.status).toBe(200)
    expect(cross.body).toBe('bonjour')
    const same = await app.send('/greet', { headers: { 'accept-language': 'fr', 'if-none-match': fr.header('etag')! } })
    expect(same.status).toBe(304)
  })

  it('variants with the same bytes but another Content-Encoding get different ETags', async () => {
    const app = await open(adapter, (request) => ({
      headers: { vary: 'Accept-Encoding', 'content-encoding': request.header('accept-encoding') ?? 'identity' },
      body: 'same bytes',
    }))
    const a = await app.send('/blob', { headers: { 'accept-encoding': 'br' } })
    const b = await app.send('/blob', { headers: { 'accept-encoding': 'zstd' } })
    expect(a.header('etag')).not.toBe(b.header('etag'))
  })

  it('route-level vary keeps variants apart and their ETags apart', async () => {
    const app = await open(adapter, (request) => ({ body: `tenant ${request.header('x-tenant') ?? '-'}` }), {
      route: { vary: ['x-tenant'] },
    })
    const a = await app.send('/t', { headers: { 'x-tenant': 'a' } })
    const b = await app.send('/t', { headers: { 'x-tenant': 'b' } })
    expect(b.body).toBe('tenant b')
    const cross = await app.send('/t', { headers: { 'x-tenant': 'b', 'if-none-match': a.header('etag')! } })
    expect(cross.status).toBe(200)
    expect(cross.body).toBe('tenant b')
  })
})
