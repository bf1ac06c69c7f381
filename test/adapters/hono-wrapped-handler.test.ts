// `cacheResponse(handler, options)` on Hono: the wrapper form, which answers a hit as the route's
// only handler. It must behave as the middleware form does: miss then hit, one handler run for
// concurrent misses, stale-while-revalidate, errors, middleware around it, typed route params.
import { serve, type ServerType } from '@hono/node-server'
import { Hono } from 'hono'
import { afterEach, describe, expect, it } from 'vitest'
import { createCache } from '../../src/index.js'
import { cacheResponse } from '../../src/adapters/hono.js'
import { fakeClock } from '../helpers/clock.js'
import { deferred, flushPromises } from '../helpers/deferred.js'

const servers: ServerType[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))))
})

describe('hono adapter, wrapping one handler', () => {
  it('misses, then hits without running the handler, and answers 304 to its ETag', async () => {
    const clock = fakeClock()
    const cache = createCache({ now: clock })
    const app = new Hono()
    let calls = 0
    app.get(
      '/',
      cacheResponse(
        (c) => {
          calls++
          return c.html('<p>hi</p>')
        },
        { cache, ttl: '10m' },
      ),
    )
    const first = await app.request('http://x.test/')
    expect(first.headers.get('cache-status')).toBe('cachefront; fwd=miss; stored')
    expect(await first.text()).toBe('<p>hi</p>')
    clock.advance(3000)
    const second = await app.request('http://x.test/')
    expect(second.headers.get('cache-status')).toMatch(/^cachefront; hit/)
    expect(second.headers.get('age')).toBe('3')
    expect(second.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await second.text()).toBe('<p>hi</p>')
    const third = await app.request('http://x.test/', { headers: { 'if-none-match': second.headers.get('etag')! } })
    expect(third.status).toBe(304)
    expect(calls).toBe(1)
  })

  it('answers a memory-store hit synchronously, as Hono answers a constant response', async () => {
    const cache = createCache()
    const app = new Hono()
    app.get(
      '/',
      cacheResponse((c) => c.text('constant'), { cache }),
    )
    await app.request('http://x.test/')
    const answer = app.fetch(new Request('http://x.test/'))
    expect(answer).toBeInstanceOf(Response)
    expect(await (answer as Response).text()).toBe('constant')
  })

  it('runs the handler once for concurrent misses', async () => {
    const cache = createCache()
    const app = new Hono()
    const gate = deferred()
    let calls = 0
    app.get(
      '/json/',
      cacheResponse(
        async (c) => {
          calls++
          await gate.promise
          return c.json({ message: 'Hello World' })
        },
        { cache },
      ),
    )
    const all = Array.from({ length: 20 }, () => app.request('http://x.test/json/'))
    await flushPromises()
    gate.resolve()
    const bodies = await Promise.all((await Promise.all(all)).map((response) => response.text()))
    expect(calls).toBe(1)
    expect(new Set(bodies)).toEqual(new Set(['{"message":"Hello World"}']))
  })

  it('serves a stale entry at once and refreshes it by running the handler again, for the whole response', async () => {
    const clock = fakeClock()
    const cache = createCache({ now: clock })
    const app = new Hono()
    const seen: (string | undefined)[] = []
    let calls = 0
    app.get(
      '/',
      cacheResponse(
        (c) => {
          seen.push(c.req.header('if-none-match'))
          return c.text(`version ${++calls}`)
        },
        { cache, ttl: '10s', staleWhileRevalidate: '1m' },
      ),
    )
    const first = await app.request('http://x.test/')
    const etag = first.headers.get('etag')!
    clock.advance(11_000)
    const stale = await app.request('http://x.test/', { headers: { 'if-none-match': etag } })
    expect(stale.status).toBe(304)
    expect(stale.headers.get('cache-status')).toMatch(/^cachefront; hit; ttl=-\d+; detail=stale-while-revalidate$/)
    await flushPromises()
    expect(calls).toBe(2)
    expect(seen).toEqual([undefined, undefined])
    const next = await app.request('http://x.test/')
    expect(next.headers.get('cache-status')).toMatch(/^cachefront; hit/)
    expect(await next.text()).toBe('version 2')
  })

  it("hands the handler's error to Hono's error handler and stores nothing", async () => {
    const cache = createCache()
    const app = new Hono()
    let calls = 0
    app.onError((error, c) => c.text(`failed: ${error.message}`, 500))
    app.get(
      '/',
      cacheResponse(
        () => {
          calls++
          throw new Error('database down')
        },
        { cache },
      ),
    )
    const first = await app.request('http://x.test/')
    expect(first.status).toBe(500)
    expect(await first.text()).toBe('failed: database down')
    expect((await app.request('http://x.test/')).status).toBe(500)
    expect(calls).toBe(2)
  })

  it('answers Not Found, uncached, for a handler that returns no response, as Hono does', async () => {
    const cache = createCache()
    const app = new Hono()
    let calls = 0
    app.get(
      '/',
      cacheResponse(
        (() => {
          calls++
        }) as unknown as () => Response,
        { cache },
      ),
    )
    expect((await app.request('http://x.test/')).status).toBe(404)
    expect((await app.request('http://x.test/')).status).toBe(404)
    expect(calls).toBe(2)
  })

  it('lets middleware around it see and change the answer, on a miss and on a hit', async () => {
    const cache = createCache()
    const app = new Hono()
    const statuses: (string | null)[] = []
    app.use('*', async (c, next) => {
      await next()
      statuses.push(c.res.headers.get('cache-status'))
      c.header('x-outer', 'yes')
    })
    app.get(
      '/item/:id',
      cacheResponse((c) => c.text(`item ${c.req.param('id')}`), { cache }),
    )
    const miss = await app.request('http://x.test/item/7')
    const hit = await app.request('http://x.test/item/7')
    expect(await miss.text()).toBe('item 7')
    expect(await hit.text()).toBe('item 7')
    expect(hit.headers.get('x-outer')).toBe('yes')
    expect(statuses).toEqual(['cachefront; fwd=miss; stored', expect.stringMatching(/^cachefront; hit/)])
  })

  it('serves hits over a real @hono/node-server socket, as the route of a running server', async () => {
    const cache = createCache()
    const app = new Hono()
    let calls = 0
    app.get(
      '/page',
      cacheResponse((c) => c.html(`<p>${++calls}</p>`), { cache }),
    )
    const port = await new Promise<number>((resolve) => {
      servers.push(serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port)))
    })
    const first = await fetch(`http://127.0.0.1:${port}/page`)
    const second = await fetch(`http://127.0.0.1:${port}/page`)
    expect(await first.text()).toBe('<p>1</p>')
    expect(await second.text()).toBe('<p>1</p>')
    expect(second.headers.get('cache-status')).toMatch(/^cachefront; hit/)
    expect(second.headers.get('content-length')).toBe('8')
    const notModified = await fetch(`http://127.0.0.1:${port}/page`, {
      headers: { 'if-none-match': second.headers.get('etag')! },
    })
    expect(notModified.status).toBe(304)
    expect(calls).toBe(1)
  })

  it('rejects bad options when the route is declared, as the middleware form does', () => {
    expect(() => cacheResponse((c) => c.text('x'), { ttl: 'soon' as never })).toThrow(/ttl/)
  })
})
