// Express adapter with a fake clock: stale-while-revalidate refreshes through a synthetic request,
// and stale-if-error answers for a handler that throws or answers 5xx.
import express from 'express'
import { afterEach, describe, expect, it } from 'vitest'
import { createCache } from '../../src/index.js'
import { cacheResponse } from '../../src/adapters/express.js'
import { fakeClock } from '../helpers/clock.js'
import { flushPromises } from '../helpers/deferred.js'
import { serve, type Served } from './express-harness.js'

let served: Served | undefined
afterEach(async () => {
  await served?.close()
  served = undefined
})

describe('express stale entries', () => {
  it('serves a stale entry and refreshes it once in the background', async () => {
    const clock = fakeClock()
    const cache = createCache({ now: clock })
    const app = express()
    let calls = 0
    const seen: string[] = []
    app.get('/s', cacheResponse({ cache, ttl: '10s', staleWhileRevalidate: '1m' }), (req, res) => {
      seen.push(req.headers['if-none-match'] ?? '-')
      res.json({ v: ++calls })
    })
    served = await serve(app)
    const first = await served.get('/s')
    const etag = first.headers.get('etag')!
    expect(await first.json()).toEqual({ v: 1 })
    clock.advance(15_000)
    const stale = await served.get('/s', { headers: { 'if-none-match': etag } })
    expect(stale.status).toBe(304)
    expect(stale.headers.get('cache-status')).toMatch(/detail=stale-while-revalidate/)
    while (calls < 2) await flushPromises(1)
    await flushPromises()
    const fresh = await served.get('/s')
    expect(await fresh.json()).toEqual({ v: 2 })
    expect(fresh.headers.get('cache-status')).toMatch(/^cachefront; hit/)
    // The refresh asked for the whole response, not the client's conditional one.
    expect(seen).toEqual(['-', '-'])
  })

  it('serves the stale entry when the handler throws or answers 5xx', async () => {
    const clock = fakeClock()
    const cache = createCache({ now: clock })
    const app = express()
    let mode: 'ok' | 'throw' | '503' = 'ok'
    app.get('/e', cacheResponse({ cache, ttl: '10s', staleIfError: '1h' }), (_req, res) => {
      if (mode === 'throw') throw new Error('database down')
      if (mode === '503') return void res.status(503).send('busy')
      res.send('good')
    })
    // Keep the test output quiet: the default handler would log the stack.
    app.use((_error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).send('failed')
    })
    served = await serve(app)
    await (await served.get('/e')).text()
    clock.advance(60_000)
    mode = 'throw'
    const thrown = await served.get('/e')
    expect(thrown.status).toBe(200)
    expect(await thrown.text()).toBe('good')
    expect(thrown.headers.get('cache-status')).toBe('cachefront; fwd=stale; fwd-status=500; detail=stale-if-error')
    mode = '503'
    const busy = await served.get('/e')
    expect(await busy.text()).toBe('good')
    clock.advance(2 * 3600_000)
    const expired = await served.get('/e')
    expect(expired.status).toBe(503)
    expect(expired.headers.get('cache-status')).toBe('cachefront; fwd=miss; detail=status')
  })

  it('settles a refresh that a middleware before the cache answers itself', async () => {
    const clock = fakeClock()
    const cache = createCache({ now: clock })
    const app = express()
    let refused = 0
    // Refuses the synthetic refresh request (it has no remote address), as an IP filter would.
    app.use((req, res, next) => {
      if (req.socket.remoteAddress !== undefined) return next()
      refused++
      res.status(403).end()
    })
    app.get('/s', cacheResponse({ cache, ttl: '10s', staleWhileRevalidate: '1m' }), (_req, res) => {
      res.send('v')
    })
    served = await serve(app)
    await (await served.get('/s')).text()
    clock.advance(15_000)
    await (await served.get('/s')).text()
    while (refused < 1) await flushPromises(1)
    await flushPromises()
    // The first refresh's flight was settled, so the next stale answer starts another one.
    await (await served.get('/s')).text()
    while (refused < 2) await flushPromises(1)
    expect(refused).toBe(2)
  })
})
