// A HEAD request without a fresh entry is forwarded to the origin and never stored; it carries
// Cache-Status like any answer, and when the origin fails, stale-if-error answers it from the stale
// entry, as it answers a GET.
import { describe, expect, it } from 'vitest'
import { ADAPTERS, type OriginHandler } from '../security/fixtures/apps.js'
import { useApps } from '../security/fixtures/suite.js'

const STALE_ROUTE = { route: { ttl: '10s', staleIfError: '1m' } } as const

/** The first call answers `abc`; later ones fail the way `failure` says. */
function failingAfterFirst(failure: { mode: 'status' | 'throw' }): OriginHandler {
  return (_request, call) => {
    if (call === 1) return { headers: { 'content-type': 'text/plain' }, body: 'abc' }
    if (failure.mode === 'throw') throw new Error('origin down')
    return { status: 503, body: 'down' }
  }
}

describe.each(ADAPTERS)('%s: HEAD forwarded to the origin', (adapter) => {
  const open = useApps()

  it('carries Cache-Status on a cold key, and stores nothing', async () => {
    const app = await open(adapter, (_request, call) => ({ body: `v${call}` }))
    const head = await app.send('/cold', { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.header('cache-status')).toBe('cachefront; fwd=miss; detail=head')
    expect((await app.send('/cold')).header('cache-status')).toBe('cachefront; fwd=miss; stored')
  })

  for (const mode of ['status', 'throw'] as const) {
    it(`answers HEAD from the stale entry when the origin ${mode === 'status' ? 'answers 503' : 'throws'}`, async () => {
      const app = await open(adapter, failingAfterFirst({ mode }), STALE_ROUTE)
      await app.send('/page')
      app.clock.advance(20_000)
      const head = await app.send('/page', { method: 'HEAD' })
      expect(head.status).toBe(200)
      expect(head.body).toBe('')
      expect(head.header('cache-status')).toMatch(/fwd=stale;.*detail=stale-if-error/)
      expect(head.header('etag')).toBeDefined()
      const get = await app.send('/page')
      expect(get.status).toBe(200)
      expect(get.body).toBe('abc')
    })
  }

  it('passes HEAD through when the origin answers, and stores nothing from it', async () => {
    const app = await open(adapter, (_request, call) => ({ body: `v${call}` }), STALE_ROUTE)
    await app.send('/page')
    app.clock.advance(20_000)
    const head = await app.send('/page', { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.header('cache-status')).toBe('cachefront; fwd=stale; detail=head')
    expect((await app.send('/page')).body).toBe('v3')
  })

  it('passes the failure through once the stale-if-error window is over', async () => {
    const app = await open(adapter, failingAfterFirst({ mode: 'status' }), STALE_ROUTE)
    await app.send('/page')
    app.clock.advance(80_000)
    const head = await app.send('/page', { method: 'HEAD' })
    expect(head.status).toBe(503)
  })
})
