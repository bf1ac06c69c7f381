// Fastify adapter through inject: keys, bypass rules, validators, HEAD, coalescing, invalidation.
import Fastify, { type FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import { createCache, type Cache } from '../../src/index.js'
import { cachefront } from '../../src/adapters/fastify.js'
import { deferred, flushPromises } from '../helpers/deferred.js'

async function appWith(cache: Cache, routes: (app: FastifyInstance) => void): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(cachefront, { cache })
  routes(app)
  await app.ready()
  return app
}

describe('fastify adapter', () => {
  it('answers the second request from the cache with Age, a strong ETag and Cache-Status', async () => {
    let calls = 0
    const app = await appWith(createCache(), (app) => {
      app.get('/', { config: { cache: { ttl: '10m' } } }, async (_req, reply) => {
        calls++
        return reply.type('text/html').send('<p>hi</p>')
      })
    })
    const first = await app.inject('/')
    expect(first.headers['cache-status']).toBe('cachefront; fwd=miss; stored')
    expect(first.body).toBe('<p>hi</p>')
    const second = await app.inject('/')
    expect(second.headers['cache-status']).toMatch(/^cachefront; hit; ttl=/)
    expect(second.headers['age']).toBe('0')
    expect(second.headers['etag']).toBe(first.headers['etag'])
    expect(second.headers['content-type']).toBe('text/html')
    expect(second.body).toBe('<p>hi</p>')
    expect(calls).toBe(1)
  })

  it('leaves routes without config.cache untouched', async () => {
    const app = await appWith(createCache(), (app) => {
      app.get('/plain', async () => 'plain')
    })
    const response = await app.inject('/plain')
    expect(response.headers['cache-status']).toBeUndefined()
    expect(response.body).toBe('plain')
  })

  it('coalesces concurrent cold requests into one handler call', async () => {
    const cache = createCache()
    const gate = deferred()
    const entered = deferred()
    let calls = 0
    const app = await appWith(cache, (app) => {
      app.get('/json/', { config: { cache: {} } }, async () => {
        calls++
        entered.resolve()
        await gate.promise
        return { message: 'Hello World' }
      })
    })
    const leader = app.inject('/json/')
    await entered.promise
    const waiters = Array.from({ length: 10 }, () => app.inject('/json/'))
    while (cache.stats().coalescedWaits < 10) await flushPromises(1)
    gate.resolve()
    const responses = await Promise.all([leader, ...waiters])
    expect(calls).toBe(1)
    expect(new Set(responses.map((r) => r.body))).toEqual(new Set(['{"message":"Hello World"}']))
    expect(responses.slice(1).map((r) => r.headers['cache-status'])).toEqual(
      Array(10).fill('cachefront; fwd=miss; collapsed'),
    )
  })

  it('lets each waiter run its own handler when the leader response is not storable', async () => {
    const cache = createCache()
    const gate = deferred()
    const entered = deferred()
    let calls = 0
    const app = await appWith(cache, (app) => {
      app.get('/me', { config: { cache: {} } }, async (_req, reply) => {
        const call = ++calls
        entered.resolve()
        await gate.promise
        return reply.header('set-cookie', `session=${call}`).send('private')
      })
    })
    const leader = app.inject('/me')
    await entered.promise
    const waiters = Array.from({ length: 3 }, () => app.inject('/me'))
    while (cache.stats().coalescedWaits < 3) await flushPromises(1)
    gate.resolve()
    const responses = await Promise.all([leader, ...waiters])
    expect(calls).toBe(4)
    expect(new Set(responses.map((r) => r.headers['set-cookie'])).size).toBe(4)
  })

  it('keys on the query with parameter names sorted', async () => {
    let calls = 0
    const app = await appWith(createCache(), (app) => {
      app.get('/q', { config: { cache: {} } }, async (req) => {
        calls++
        return JSON.stringify(req.query)
      })
    })
    await app.inject('/q?a=1&b=2')
    const swapped = await app.inject('/q?b=2&a=1')
    expect(swapped.headers['cache-status']).toMatch(/hit/)
    const other = await app.inject('/q?a=2&b=2')
    expect(other.body).toBe('{"a":"2","b":"2"}')
    expect(calls).toBe(2)
  })

  it('drops entries by tag', async () => {
    const cache = createCache()
    let calls = 0
    const app = await appWith(cache, (app) => {
      app.get('/home', { config: { cache: { tags: ['home'] } } }, async () => `v${++calls}`)
    })
    await app.inject('/home')
    expect((await app.inject('/home')).body).toBe('v1')
    await cache.invalidate({ tags: ['home'] })
    expect((await app.inject('/home')).body).toBe('v2')
  })

  it('never stores a response with Set-Cookie, also when an onSend hook adds it', async () => {
    let calls = 0
    const app = await appWith(createCache(), (app) => {
      app.addHook('onSend', async (_req, reply, payload) => {
        reply.header('set-cookie', 'sid=1')
        return payload
      })
      app.get('/late', { config: { cache: {} } }, async () => `v${++calls}`)
    })
    const first = await app.inject('/late')
    expect(first.headers['cache-status']).toBe('cachefront; fwd=miss; detail=set-cookie')
    expect(first.headers['set-cookie']).toBe('sid=1')
    await app.inject('/late')
    expect(calls).toBe(2)
  })

  it('bypasses the cache for requests with Authorization', async () => {
    let calls = 0
    const app = await appWith(createCache(), (app) => {
      app.get('/a', { config: { cache: {} } }, async () => `v${++calls}`)
    })
    await app.inject('/a')
    const authorized = await app.inject({ url: '/a', headers: { authorization: 'Bearer t' } })
    expect(authorized.headers['cache-status']).toBe('cachefront; fwd=bypass; detail=authorization')
    expect(authorized.body).toBe('v2')
  })

  it('never caches a POST', async () => {
    let calls = 0
    const app = await appWith(createCache(), (app) => {
      app.post('/p', { config: { cache: {} } }, async () => `v${++calls}`)
    })
    const first = await app.inject({ method: 'POST', url: '/p' })
    expect(first.headers['cache-status']).toBe('cachefront; fwd=method')
    expect((await app.inject({ method: 'POST', url: '/p' })).body).toBe('v2')
  })

  it('answers 304 to a matching If-None-Match and HEAD from the GET entry', async () => {
    let calls = 0
    const app = await appWith(createCache(), (app) => {
      app.get('/v', { config: { cache: {} } }, async () => {
        calls++
        return 'validated body'
      })
    })
    const headMiss = await app.inject({ method: 'HEAD', url: '/v' })
    expect(headMiss.headers['cache-status']).toBe('cachefront; fwd=miss; detail=head')
    const first = await app.inject('/v')
    const etag = first.headers['etag'] as string
    const notModified = await app.inject({ url: '/v', headers: { 'if-none-match': etag } })
    expect(notModified.statusCode).toBe(304)
    expect(notModified.headers['etag']).toBe(etag)
    expect(notModified.body).toBe('')
    const head = await app.inject({ method: 'HEAD', url: '/v' })
    expect(head.statusCode).toBe(200)
    expect(head.headers['content-length']).toBe('14')
    expect(head.headers['cache-status']).toMatch(/^cachefront; hit/)
    expect(head.body).toBe('')
    expect(calls).toBe(2)
  })

  it('rejects bad route options at startup', async () => {
    const app = Fastify()
    await app.register(cachefront, { cache: createCache() })
    expect(() => app.get('/bad', { config: { cache: { ttl: 'soon' as '1m' } } }, async () => 'x')).toThrow(
      /expected route GET \/bad config.cache ttl/,
    )
  })
})
