// Express adapter over a real socket: keys, bypass rules, validators, HEAD, coalescing, invalidation.
import express, { type Express } from 'express'
import { afterEach, describe, expect, it } from 'vitest'
import { createCache } from '../../src/index.js'
import { cacheResponse } from '../../src/adapters/express.js'
import { deferred, flushPromises } from '../helpers/deferred.js'
import { serve, type Served } from './express-harness.js'

let served: Served | undefined
afterEach(async () => {
  await served?.close()
  served = undefined
})

async function start(app: Express): Promise<Served> {
  served = await serve(app)
  return served
}

describe('express adapter', () => {
  it('answers the second request from the cache with Age, a strong ETag and Cache-Status', async () => {
    const cache = createCache()
    const app = express()
    let calls = 0
    app.get('/', cacheResponse({ cache, ttl: '10m' }), (_req, res) => {
      calls++
      res.send('<p>hi</p>')
    })
    const s = await start(app)
    const first = await s.get('/')
    expect(first.headers.get('cache-status')).toBe('cachefront; fwd=miss; stored')
    expect(await first.text()).toBe('<p>hi</p>')
    const second = await s.get('/')
    expect(second.headers.get('cache-status')).toMatch(/^cachefront; hit; ttl=/)
    expect(second.headers.get('age')).toBe('0')
    expect(second.headers.get('etag')).toMatch(/^"/)
    expect(second.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(await second.text()).toBe('<p>hi</p>')
    expect(calls).toBe(1)
  })

  it('coalesces concurrent cold requests into one handler call', async () => {
    const cache = createCache()
    const app = express()
    const gate = deferred()
    const entered = deferred()
    let calls = 0
    app.get('/json/', cacheResponse({ cache }), async (_req, res) => {
      calls++
      entered.resolve()
      await gate.promise
      res.json({ message: 'Hello World' })
    })
    const s = await start(app)
    const leader = s.get('/json/')
    await entered.promise
    const waiters = Array.from({ length: 10 }, () => s.get('/json/'))
    // Every waiter is parked on the leader's flight once the stats count it.
    while (cache.stats().coalescedWaits < 10) await flushPromises(1)
    gate.resolve()
    const responses = await Promise.all([leader, ...waiters])
    expect(calls).toBe(1)
    const bodies = await Promise.all(responses.map((r) => r.text()))
    expect(new Set(bodies)).toEqual(new Set(['{"message":"Hello World"}']))
    expect(responses.slice(1).map((r) => r.headers.get('cache-status'))).toEqual(
      Array(10).fill('cachefront; fwd=miss; collapsed'),
    )
  })

  it('lets each waiter run its own handler when the leader response is not storable', async () => {
    const cache = createCache()
    const app = express()
    const gate = deferred()
    const entered = deferred()
    let calls = 0
    app.get('/me', cacheResponse({ cache }), async (_req, res) => {
      const call = ++calls
      entered.resolve()
      await gate.promise
      res.cookie('session', String(call)).send('private')
    })
    const s = await start(app)
    const leader = s.get('/me')
    await entered.promise
    const waiters = Array.from({ length: 3 }, () => s.get('/me'))
    while (cache.stats().coalescedWaits < 3) await flushPromises(1)
    gate.resolve()
    const responses = await Promise.all([leader, ...waiters])
    expect(calls).toBe(4)
    expect(new Set(responses.map((r) => r.headers.get('set-cookie')?.split(';')[0])).size).toBe(4)
  })

  it('keys on the query with parameter names sorted', async () => {
    const app = express()
    let calls = 0
    app.get('/q', cacheResponse({ cache: createCache() }), (req, res) => {
      calls++
      res.send(`a=${String(req.query.a)} b=${String(req.query.b)}`)
    })
    const s = await start(app)
    await (await s.get('/q?a=1&b=2')).text()
    const swapped = await s.get('/q?b=2&a=1')
    expect(swapped.headers.get('cache-status')).toMatch(/hit/)
    const other = await s.get('/q?a=2&b=2')
    expect(await other.text()).toBe('a=2 b=2')
    expect(calls).toBe(2)
  })

  it('drops entries by tag', async () => {
    const cache = createCache()
    const app = express()
    let calls = 0
    app.get('/home', cacheResponse({ cache, tags: ['home'] }), (_req, res) => {
      calls++
      res.send(`v${calls}`)
    })
    const s = await start(app)
    await (await s.get('/home')).text()
    expect(await (await s.get('/home')).text()).toBe('v1')
    await cache.invalidate({ tags: ['home'] })
    expect(await (await s.get('/home')).text()).toBe('v2')
  })

  it('never stores a response with Set-Cookie, also when a later middleware adds it', async () => {
    const app = express()
    let calls = 0
    app.get(
      '/late',
      cacheResponse({ cache: createCache() }),
      (_req, res, next) => {
        // A later middleware: a session layer that sets its cookie as the response goes out.
        const writeHead = res.writeHead
        res.writeHead = function (this: typeof res, ...args: Parameters<typeof writeHead>) {
          this.setHeader('set-cookie', 'sid=1')
          return writeHead.apply(this, args)
        } as typeof writeHead
        next()
      },
      (_req, res) => {
        calls++
        res.send('x')
      },
    )
    const s = await start(app)
    const first = await s.get('/late')
    expect(first.headers.get('cache-status')).toBe('cachefront; fwd=miss; detail=set-cookie')
    expect(first.headers.get('set-cookie')).toBe('sid=1')
    await first.text()
    await (await s.get('/late')).text()
    expect(calls).toBe(2)
  })

  // Sessions (express-session, cookie-session through on-headers) wrap writeHead in a middleware
  // before the route and set their cookie only as the head goes out, after the cache has decided.
  it.each([
    ['applies the headers given, adds its own, then calls on with the status (on-headers)', 'status-only'],
    ['adds its own, then calls on with the headers given', 'pass-through'],
  ] as const)(
    'never stores a response whose Set-Cookie an earlier writeHead wrapper adds: %s',
    async (_name, style) => {
      const app = express()
      app.use((req, res, next) => {
        const writeHead = res.writeHead
        res.writeHead = function (this: typeof res, status: number, ...rest: unknown[]) {
          const given = rest.find((arg) => typeof arg === 'object' && arg !== null) as
            Record<string, string> | undefined
          if (style === 'status-only')
            for (const [name, value] of Object.entries(given ?? {})) this.setHeader(name, value)
          this.appendHeader('set-cookie', `sid=${req.get('x-user')}`)
          return (
            style === 'status-only' ? writeHead.call(this, status) : writeHead.call(this, status, ...(rest as []))
          ) as typeof res
        } as typeof writeHead
        next()
      })
      let calls = 0
      app.get('/page', cacheResponse({ cache: createCache() }), (req, res) => {
        calls++
        res.send(`hello ${req.get('x-user')}`)
      })
      const s = await start(app)
      const alice = await s.get('/page', { headers: { 'x-user': 'alice' } })
      expect(alice.headers.get('set-cookie')).toBe('sid=alice')
      expect(alice.headers.get('cache-status')).toBe('cachefront; fwd=miss; detail=set-cookie')
      expect(await alice.text()).toBe('hello alice')
      const bob = await s.get('/page', { headers: { 'x-user': 'bob' } })
      expect(bob.headers.get('set-cookie')).toBe('sid=bob')
      expect(await bob.text()).toBe('hello bob')
      expect(calls).toBe(2)
    },
  )

  it('lets the key go at once, and the error be answered, when a layer throws as the head goes out', async () => {
    const app = express()
    // A layer before the cache whose head listener throws for some requests (a buggy logger, an
    // invalid header value), once, as on-headers calls its listeners.
    app.use((req, res, next) => {
      const writeHead = res.writeHead
      let fired = false
      res.writeHead = function (this: typeof res, ...args: Parameters<typeof writeHead>) {
        if (!fired && req.get('x-boom') !== undefined) {
          fired = true
          throw new Error('listener failed')
        }
        return writeHead.apply(this, args)
      } as typeof writeHead
      next()
    })
    let calls = 0
    app.get('/page', cacheResponse({ cache: createCache({ lockTimeout: '10s' }) }), (_req, res) => {
      calls++
      res.send('body')
    })
    app.use((_error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).end('error')
    })
    const s = await start(app)
    const failed = await s.get('/page', { headers: { 'x-boom': '1' } })
    expect(failed.status).toBe(500)
    expect(failed.headers.get('etag')).toBeNull()
    await failed.text()
    const started = performance.now()
    const next = await s.get('/page')
    expect(await next.text()).toBe('body')
    expect(performance.now() - started).toBeLessThan(2_000)
    expect(calls).toBe(2)
  })

  it('bypasses the cache for requests with Authorization', async () => {
    const app = express()
    let calls = 0
    app.get('/a', cacheResponse({ cache: createCache() }), (_req, res) => {
      calls++
      res.send('x')
    })
    const s = await start(app)
    await (await s.get('/a')).text()
    const authorized = await s.get('/a', { headers: { authorization: 'Bearer t' } })
    expect(authorized.headers.get('cache-status')).toBe('cachefront; fwd=bypass; detail=authorization')
    await authorized.text()
    expect(calls).toBe(2)
  })

  it('never caches a POST, also when method-override routes it as a GET', async () => {
    const app = express()
    // What the method-override package does: keep the client method, route as the header says.
    app.use((req, _res, next) => {
      const override = req.headers['x-http-method-override']
      if (typeof override === 'string') {
        Object.assign(req, { originalMethod: req.method })
        req.method = override
      }
      next()
    })
    let calls = 0
    const handler = (_req: express.Request, res: express.Response) => {
      calls++
      res.send(`v${calls}`)
    }
    app.get('/m', cacheResponse({ cache: createCache() }), handler)
    app.post('/p', cacheResponse({ cache: createCache() }), handler)
    const s = await start(app)
    const post = await s.get('/p', { method: 'POST' })
    expect(post.headers.get('cache-status')).toBe('cachefront; fwd=method')
    await post.text()
    const overridden = await s.get('/m', { method: 'POST', headers: { 'x-http-method-override': 'GET' } })
    expect(overridden.headers.get('cache-status')).toBe('cachefront; fwd=method')
    expect(await overridden.text()).toBe('v2')
    const get = await s.get('/m')
    expect(get.headers.get('cache-status')).toBe('cachefront; fwd=miss; stored')
    expect(await get.text()).toBe('v3')
  })

  it('answers 304 to a matching If-None-Match and HEAD from the GET entry', async () => {
    const app = express()
    let calls = 0
    app.get('/v', cacheResponse({ cache: createCache() }), (_req, res) => {
      calls++
      res.send('validated body')
    })
    const s = await start(app)
    const headMiss = await s.get('/v', { method: 'HEAD' })
    expect(headMiss.headers.get('cache-status')).toBe('cachefront; fwd=miss; detail=head')
    const first = await s.get('/v')
    const etag = first.headers.get('etag')!
    await first.text()
    const notModified = await s.get('/v', { headers: { 'if-none-match': etag } })
    expect(notModified.status).toBe(304)
    expect(notModified.headers.get('etag')).toBe(etag)
    expect(notModified.headers.get('cache-status')).toMatch(/^cachefront; hit/)
    const head = await s.get('/v', { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.headers.get('content-length')).toBe('14')
    expect(head.headers.get('cache-status')).toMatch(/^cachefront; hit/)
    expect(await head.text()).toBe('')
    expect(calls).toBe(2)
  })
})
