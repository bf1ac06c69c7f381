// Web cache deception: a victim is lured to a URL that the origin answers with their private page
// but that looks static (`/me/x.css`, `/me;x.css` …); the attacker then asks for the same URL. The
// private page must never be stored, whatever the path looks like.
import { describe, expect, it } from 'vitest'
import { ADAPTERS, type OriginRequest } from './fixtures/apps.js'
import { useApps } from './fixtures/suite.js'

// An origin that, like many frameworks with lenient routing, serves the profile page for any path
// starting with /me (suffixes, delimiters, encoded separators), to whoever the session says.
function profile(request: OriginRequest, call: number): { body: string; headers?: Record<string, string> } {
  const session = /sid=(\w+)/.exec(request.header('cookie') ?? '')?.[1]
  const bearer = /Bearer (\w+)/.exec(request.header('authorization') ?? '')?.[1]
  const user = session ?? bearer
  return { body: user === undefined ? `guest page ${call}` : `private profile of ${user}: card 4111-1111 ${call}` }
}

const LURES = [
  '/me/x.css',
  '/me/x.js',
  '/me.css',
  '/me;x.css',
  '/me%3Bx.css',
  '/me%23x.css',
  '/me%2Fx.css',
  '/me%00x.css',
  '/me%0Ax.css',
  '/static/..%2fme',
  '/me/..%2fx.css',
  '/me/',
  '/ME',
  '/Me/x.CSS',
  '/me?x.css',
  '/me/x.css?v=1',
]

describe.each(ADAPTERS)('%s: web cache deception', (adapter) => {
  const open = useApps()

  it.each(LURES)('a victim’s private page at %s is never served to an attacker (Cookie)', async (lure) => {
    const app = await open(adapter, profile)
    const victim = await app.send(lure, { headers: { cookie: 'sid=alice' } })
    const attacker = await app.send(lure)
    expect(attacker.body).not.toContain('alice')
    if (victim.status === 200) expect(victim.header('cache-status')).toBe('cachefront; fwd=bypass; detail=cookie')
  })

  it.each(LURES)('a victim’s private page at %s is never served to an attacker (Authorization)', async (lure) => {
    const app = await open(adapter, profile)
    await app.send(lure, { headers: { authorization: 'Bearer alice' } })
    expect((await app.send(lure)).body).not.toContain('alice')
  })

  it('with allowCookies, a private page that says Cache-Control: private is still never stored', async () => {
    const app = await open(
      adapter,
      (request, call) => ({ ...profile(request, call), headers: { 'cache-control': 'private' } }),
      { route: { allowCookies: true } },
    )
    for (const lure of LURES.slice(0, 6)) {
      await app.send(lure, { headers: { cookie: 'sid=alice' } })
      expect((await app.send(lure)).body).not.toContain('alice')
    }
  })

  it('an attacker who primes the lure first never gets the victim’s page later either', async () => {
    const app = await open(adapter, profile)
    const primed = await app.send('/me/x.css')
    expect(primed.body).toBe('guest page 1')
    // The victim, logged in, bypasses the guest entry: they see their own page, not the guest's.
    expect((await app.send('/me/x.css', { headers: { cookie: 'sid=alice' } })).body).toContain('alice')
    expect((await app.send('/me/x.css')).body).toBe('guest page 1')
  })
})
