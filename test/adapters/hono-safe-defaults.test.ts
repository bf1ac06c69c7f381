import { describe, expect, it } from 'vitest'
import { honoFixture } from '../helpers/hono-app.js'

describe('hono adapter: safe defaults', () => {
  it('never caches POST, PUT or DELETE', async () => {
    const { get, calls } = honoFixture((c, call) => c.text(`call ${call}`))
    for (const method of ['POST', 'PUT', 'DELETE', 'POST']) {
      const response = await get('/', { method })
      expect(response.headers.get('cache-status')).toBe('cachefront; fwd=method')
    }
    expect(calls()).toBe(4)
    expect(await (await get('/')).text()).toBe('call 5')
  })

  it('stores only 200 by default, and the statuses a route lists', async () => {
    const plain = honoFixture((c, call) => c.text(`gone ${call}`, 404))
    await plain.get('/missing')
    const second = await plain.get('/missing')
    expect(await second.text()).toBe('gone 2')
    expect(second.headers.get('cache-status')).toBe('cachefront; fwd=miss; detail=status')

    const listed = honoFixture((c, call) => c.text(`gone ${call}`, 404), { statuses: [200, 404] })
    await listed.get('/missing')
    const hit = await listed.get('/missing')
    expect(hit.status).toBe(404)
    expect(await hit.text()).toBe('gone 1')
  })

  it.each([
    ['Set-Cookie', { 'set-cookie': 'session=abc' }, 'set-cookie'],
    ['Cache-Control: no-store', { 'cache-control': 'no-store' }, 'no-store'],
    ['Cache-Control: private', { 'cache-control': 'private, max-age=60' }, 'private'],
    ['Vary: *', { vary: '*' }, 'vary'],
  ])('never stores a response with %s', async (_, headers, detail) => {
    const { get, calls } = honoFixture((c, call) => c.text(`call ${call}`, 200, headers))
    const first = await get('/')
    expect(first.headers.get('cache-status')).toBe(`cachefront; fwd=miss; detail=${detail}`)
    await get('/')
    expect(calls()).toBe(2)
  })

  it('bypasses requests with Authorization unless the route opts in', async () => {
    const closed = honoFixture((c, call) => c.text(`call ${call}`))
    await closed.get('/')
    const authorized = await closed.get('/', { headers: { authorization: 'Bearer alice' } })
    expect(await authorized.text()).toBe('call 2')
    expect(authorized.headers.get('cache-status')).toBe('cachefront; fwd=bypass; detail=authorization')

    const open = honoFixture((c, call) => c.text(`call ${call}`), { allowAuthorization: true })
    await open.get('/', { headers: { authorization: 'Bearer alice' } })
    expect(await (await open.get('/', { headers: { authorization: 'Bearer bob' } })).text()).toBe('call 1')
  })

  it('bypasses requests with Cookie unless the route opts in', async () => {
    const { get, calls } = honoFixture((c, call) => c.text(`hello ${c.req.header('cookie') ?? 'guest'} ${call}`))
    expect(await (await get('/', { headers: { cookie: 'user=alice' } })).text()).toBe('hello user=alice 1')
    expect(await (await get('/')).text()).toBe('hello guest 2')
    expect(calls()).toBe(2)
  })

  it('streams bodies over maxBodyBytes through uncached', async () => {
    const big = 'x'.repeat(2048)
    const { get, calls } = honoFixture(
      (c) =>
        c.body(
          new ReadableStream({
            start(controller) {
              for (let i = 0; i < 4; i++) controller.enqueue(new TextEncoder().encode(big))
              controller.close()
            },
          }),
        ),
      { maxBodyBytes: 4096 },
    )
    const first = await get('/big')
    expect(first.headers.get('cache-status')).toBe('cachefront; fwd=miss; detail=too-large')
    expect((await first.text()).length).toBe(8192)
    expect((await (await get('/big')).text()).length).toBe(8192)
    expect(calls()).toBe(2)
  })

  it('answers HEAD from the GET entry without a body', async () => {
    const { get, calls } = honoFixture((c) => c.text('hello world'))
    await get('/')
    const head = await get('/', { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.headers.get('cache-status')).toMatch(/^cachefront; hit/)
    expect(head.headers.get('content-length')).toBe('11')
    expect(await head.text()).toBe('')
    expect(calls()).toBe(1)
  })

  it('forwards a HEAD miss without storing it', async () => {
    const { get, calls } = honoFixture((c) => c.text('hello world'))
    const head = await get('/', { method: 'HEAD' })
    expect(head.headers.get('cache-status')).toBe('cachefront; fwd=miss; detail=head')
    await get('/')
    expect(calls()).toBe(2)
  })

  it('ignores a client’s no-cache by default, honours it when the route opts in', async () => {
    const ignoring = honoFixture((c, call) => c.text(`call ${call}`))
    await ignoring.get('/')
    const forced = await ignoring.get('/', { headers: { 'cache-control': 'no-cache', pragma: 'no-cache' } })
    expect(await forced.text()).toBe('call 1')

    const honouring = honoFixture((c, call) => c.text(`call ${call}`), { honorClientNoCache: true })
    await honouring.get('/')
    const refreshed = await honouring.get('/', { headers: { 'cache-control': 'no-cache' } })
    expect(await refreshed.text()).toBe('call 2')
    expect(refreshed.headers.get('cache-status')).toBe('cachefront; fwd=request; stored')
    expect(await (await honouring.get('/')).text()).toBe('call 2')
  })
})

describe('hono adapter: HTTP caching headers', () => {
  it('puts Cache-Status on every response, Age and a strong ETag on hits', async () => {
    const { get, clock } = honoFixture((c) => c.json({ message: 'Hello World' }))
    const miss = await get('/json/')
    expect(miss.headers.get('cache-status')).toBe('cachefront; fwd=miss; stored')
    clock.advance(42_000)
    const hit = await get('/json/')
    expect(hit.headers.get('cache-status')).toBe('cachefront; hit; ttl=18')
    expect(hit.headers.get('age')).toBe('42')
    expect(hit.headers.get('etag')).toMatch(/^"[^"]+"$/)
    expect(hit.headers.get('content-type')).toMatch(/application\/json/)
    expect(await hit.json()).toEqual({ message: 'Hello World' })
  })

  it('answers a matching If-None-Match with 304 and no body', async () => {
    const { get } = honoFixture((c) => c.text('hello', 200, { 'cache-control': 'public, max-age=60' }))
    const etag = (await get('/')).headers.get('etag')!
    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const revalidated = await get('/', { headers: { 'if-none-match': ifNoneMatch } })
      expect(revalidated.status).toBe(304)
      expect(await revalidated.text()).toBe('')
      expect(revalidated.headers.get('etag')).toBe(etag)
      expect(revalidated.headers.get('cache-control')).toBe('public, max-age=60')
      expect(revalidated.headers.get('cache-status')).toMatch(/^cachefront; hit/)
    }
    expect((await get('/', { headers: { 'if-none-match': '"other"' } })).status).toBe(200)
  })

  it('keeps an origin’s strong ETag and replaces a weak one', async () => {
    const strong = honoFixture((c) => c.text('a', 200, { etag: '"v1"' }))
    await strong.get('/')
    expect((await strong.get('/')).headers.get('etag')).toBe('"v1"')
    const weak = honoFixture((c) => c.text('a', 200, { etag: 'W/"v1"' }))
    await weak.get('/')
    expect((await weak.get('/')).headers.get('etag')).toMatch(/^"[^"]+"$/)
  })
})
