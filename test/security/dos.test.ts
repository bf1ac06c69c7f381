// Denial of service: clients must not be able to grow the cache without bound, evict what is hot,
// make the cache buffer without bound, force origin work, or park requests behind a lock.
import { describe, expect, it } from 'vitest'
import { memoryStore } from '../../src/index.js'
import { deferred } from '../helpers/deferred.js'
import { ADAPTERS } from './fixtures/apps.js'
import { until, useApps } from './fixtures/suite.js'

const CHUNK = new Uint8Array(16 * 1024).fill(120)

describe.each(ADAPTERS)('%s: denial of service', (adapter) => {
  const open = useApps()
  const socket = adapter === 'express' || adapter === 'hono-node' || adapter === 'fetch-node'

  it('random query strings keep memory bounded and a hot entry hot', async () => {
    const maxBytes = 64 * 1024
    const app = await open(adapter, (request, call) => ({ body: `${request.url} ${'x'.repeat(500)} ${call}` }), {
      cache: { store: memoryStore({ maxBytes }) },
    })
    await app.send('/hot')
    let hotHits = 0
    const rounds = socket ? 300 : 1000
    for (let i = 0; i < rounds; i++) {
      await app.send(`/hot?cb=${i.toString(36)}${Math.random().toString(36).slice(2)}`)
      if (i % 10 === 0) {
        const hot = await app.send('/hot')
        if (/^cachefront; hit/.test(hot.header('cache-status') ?? '')) hotHits++
      }
      expect(app.cache.stats().bytes).toBeLessThanOrEqual(maxBytes)
    }
    expect(hotHits).toBe(rounds / 10)
  })

  it('a huge streamed body passes through whole and is not stored', async () => {
    const app = await open(
      adapter,
      () => ({
        stream: async function* () {
          for (let i = 0; i < 64; i++) yield CHUNK
        },
      }),
      { route: { maxBodyBytes: '64kb' } },
    )
    const first = await app.send('/big')
    expect(first.body.length).toBe(64 * CHUNK.length)
    expect(first.header('cache-status')).toBe('cachefront; fwd=miss; detail=too-large')
    await app.send('/big')
    expect(app.calls()).toBe(2)
  })

  it.skipIf(adapter === 'fastify')('an endless body streams without being buffered', async () => {
    // Fastify's inject reads a payload to its end, so an endless one can only be tried over a socket.
    let produced = 0
    const app = await open(
      adapter,
      () => ({
        stream: async function* () {
          for (;;) {
            produced++
            yield CHUNK
          }
        },
      }),
      { route: { maxBodyBytes: '64kb' } },
    )
    const response = await app.send('/endless', { readLimit: 256 * 1024 })
    expect(response.body.length).toBeGreaterThanOrEqual(256 * 1024)
    const after = produced
    await new Promise<void>((resolve) => setImmediate(resolve))
    // What was produced is what the client read plus socket and stream buffers, not everything.
    expect(after * CHUNK.length).toBeLessThan(16 * 1024 * 1024)
    expect(app.cache.stats().entries).toBe(0)
  })

  it.each<Record<string, string>>([
    { 'cache-control': 'no-cache' },
    { 'cache-control': 'no-store' },
    { 'cache-control': 'max-age=0' },
    { pragma: 'no-cache' },
  ])('a client’s %o does not force origin work by default', async (headers) => {
    const app = await open(adapter, (_request, call) => ({ body: `call ${call}` }))
    await app.send('/')
    for (let i = 0; i < 5; i++) expect((await app.send('/', { headers })).body).toBe('call 1')
    expect(app.calls()).toBe(1)
  })

  it('honorClientNoCache lets a client refetch, and the result is stored for others', async () => {
    const app = await open(adapter, (_request, call) => ({ body: `call ${call}` }), {
      route: { honorClientNoCache: true },
    })
    await app.send('/')
    expect((await app.send('/', { headers: { 'cache-control': 'no-cache' } })).body).toBe('call 2')
    expect((await app.send('/')).body).toBe('call 2')
  })

  it('waiters on a filler that hangs give up after lockTimeout and get their own answer', async () => {
    const hang = deferred()
    const app = await open(
      adapter,
      async (_request, call) => {
        if (call === 1) await hang.promise
        return { body: `call ${call}` }
      },
      { cache: { lockTimeout: 50 } },
    )
    const stuck = app.send('/slow')
    await until(() => app.calls() === 1, 'the filler at the origin')
    const waiters = await Promise.all([app.send('/slow'), app.send('/slow')])
    expect(waiters.map((r) => r.body).sort()).toEqual(['call 2', 'call 3'])
    hang.resolve()
    expect((await stuck).body).toBe('call 1')
  })

  it('credentialed requests never wait behind an anonymous fill of the same URL', async () => {
    const gate = deferred()
    const app = await open(adapter, async (request, call) => {
      if (call === 1) await gate.promise
      return { body: `${request.header('cookie') ?? 'anonymous'} ${call}` }
    })
    const anonymous = app.send('/page')
    await until(() => app.calls() === 1, 'the anonymous fill at the origin')
    const alice = await app.send('/page', { headers: { cookie: 'u=alice' } })
    expect(alice.body).toBe('u=alice 2')
    gate.resolve()
    await anonymous
  })

  // Found a defect: an always-uncacheable route serialised its concurrent traffic in pairs behind
  // new leaders. Fixed with hit-for-pass: an uncacheable key skips single-flight for a while.
  it('an uncacheable response does not make the next concurrent requests wait for each other', async () => {
    let gate = deferred()
    const app = await open(adapter, async (_request, call) => {
      if (call > 1) await gate.promise
      return { headers: { 'set-cookie': `t=${call}` }, body: `call ${call}` }
    })
    await app.send('/uncacheable')
    gate = deferred()
    const both = Promise.all([app.send('/uncacheable'), app.send('/uncacheable')])
    await until(() => app.calls() === 3, 'both requests at the origin at once')
    gate.resolve()
    await both
  })

  it('a Range request on a cold key never stores the 206', async () => {
    const app = await open(adapter, (request, call) =>
      request.header('range') !== undefined
        ? { status: 206, headers: { 'content-range': 'bytes 0-1/10' }, body: 'pa' }
        : { body: `partial? no, whole ${call}` },
    )
    const part = await app.send('/file', { headers: { range: 'bytes=0-1' } })
    expect(part.status).toBe(206)
    const whole = await app.send('/file')
    expect(whole.status).toBe(200)
    expect(whole.body).toBe('partial? no, whole 2')
  })

  it.each([
    ['if-none-match', '"v1"'],
    ['if-modified-since', 'Wed, 21 Oct 2015 07:28:00 GMT'],
  ])('a %s request on a cold key never stores the 304', async (name, value) => {
    const app = await open(
      adapter,
      (request, call) =>
        request.header(name) !== undefined ? { status: 304, headers: { etag: '"v1"' } } : { body: `whole ${call}` },
      { route: { statuses: [200, 206, 304] } },
    )
    expect((await app.send('/doc', { headers: { [name]: value } })).status).toBe(304)
    const whole = await app.send('/doc')
    expect(whole.status).toBe(200)
    expect(whole.body).toBe('whole 2')
  })

  it('a plain request waiting on a conditional leader gets the whole body, not its 304', async () => {
    const gate = deferred()
    const app = await open(adapter, async (request, call) => {
      if (call === 1) await gate.promise
      return request.header('if-none-match') !== undefined ? { status: 304 } : { body: `whole ${call}` }
    })
    const conditional = app.send('/doc', { headers: { 'if-none-match': '"old"' } })
    await until(() => app.calls() === 1, 'the conditional leader at the origin')
    const plain = app.send('/doc')
    await until(() => app.cache.stats().coalescedWaits === 1, 'the plain waiter')
    gate.resolve()
    expect((await conditional).status).toBe(304)
    const answer = await plain
    expect(answer.status).toBe(200)
    expect(answer.body).toBe('whole 2')
  })
})
