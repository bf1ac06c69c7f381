// Fastify adapter: what gets stored is what Fastify sends, after response-schema serialization and
// template rendering; streams are held up to maxBodyBytes and flow through uncached beyond it.
import { fileURLToPath } from 'node:url'
import { Readable } from 'node:stream'
import view from '@fastify/view'
import { Eta } from 'eta'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { createCache } from '../../src/index.js'
import { cachefront } from '../../src/adapters/fastify.js'

const VIEWS = fileURLToPath(new URL('./fixtures/views', import.meta.url))

describe('fastify bodies', () => {
  it('stores schema-serialized JSON as bytes and serves them without the handler', async () => {
    const app = Fastify()
    await app.register(cachefront, { cache: createCache() })
    let calls = 0
    const schema = {
      response: { 200: { type: 'object', properties: { message: { type: 'string' } } } },
    }
    app.get('/json/', { schema, config: { cache: { ttl: '10m' } } }, async () => {
      calls++
      // The schema drops `secret`: the stored bytes must be what the serializer produced.
      return { message: 'Hello World', secret: 'not serialized' }
    })
    const miss = await app.inject('/json/')
    const hit = await app.inject('/json/')
    expect(miss.body).toBe('{"message":"Hello World"}')
    expect(hit.body).toBe('{"message":"Hello World"}')
    expect(hit.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(hit.headers['cache-status']).toMatch(/^cachefront; hit/)
    expect(calls).toBe(1)
  })

  it('stores a reply.view() template as rendered HTML', async () => {
    const app = Fastify()
    await app.register(view, { engine: { eta: new Eta() }, templates: VIEWS })
    await app.register(cachefront, { cache: createCache() })
    let calls = 0
    app.get('/', { config: { cache: { tags: ['home'] } } }, async (_req, reply) => {
      calls++
      return reply.view('home.eta', { title: 'Hello' })
    })
    const miss = await app.inject('/')
    const hit = await app.inject('/')
    expect(hit.body).toBe(miss.body)
    expect(hit.body).toContain('<h1>Hello</h1>')
    expect(hit.headers['content-type']).toMatch(/^text\/html/)
    expect(hit.headers['cache-status']).toMatch(/^cachefront; hit/)
    expect(calls).toBe(1)
  })

  it('stores a small stream, and streams a large one through uncached', async () => {
    const app = Fastify()
    await app.register(cachefront, { cache: createCache() })
    let calls = 0
    const chunk = 'x'.repeat(1000)
    app.get('/small', { config: { cache: {} } }, async (_req, reply) => {
      calls++
      return reply.type('text/plain').send(Readable.from([chunk, chunk]))
    })
    app.get('/large', { config: { cache: { maxBodyBytes: 1500 } } }, async (_req, reply) => {
      calls++
      return reply.type('text/plain').send(Readable.from([chunk, chunk, chunk]))
    })
    await app.inject('/small')
    const small = await app.inject('/small')
    expect(small.body).toBe(chunk + chunk)
    expect(small.headers['cache-status']).toMatch(/^cachefront; hit/)
    const large = await app.inject('/large')
    expect(large.body).toBe(chunk.repeat(3))
    expect(large.headers['cache-status']).toBe('cachefront; fwd=miss; detail=too-large')
    await app.inject('/large')
    expect(calls).toBe(3)
  })

  it('sends a string, Buffer or JSON body over maxBodyBytes uncached', async () => {
    const app = Fastify()
    await app.register(cachefront, { cache: createCache() })
    let calls = 0
    const cache = { maxBodyBytes: 100 }
    app.get('/text', { config: { cache } }, async () => (calls++, 'x'.repeat(500)))
    app.get('/buffer', { config: { cache } }, async (_req, reply) => {
      calls++
      return reply.type('application/octet-stream').send(Buffer.alloc(500, 1))
    })
    app.get('/json', { config: { cache } }, async () => (calls++, { items: 'y'.repeat(500) }))
    app.get('/small', { config: { cache } }, async () => (calls++, 'fits'))
    for (const url of ['/text', '/buffer', '/json']) {
      const first = await app.inject(url)
      expect(first.headers['cache-status']).toBe('cachefront; fwd=miss; detail=too-large')
      expect(first.rawPayload.byteLength).toBeGreaterThan(100)
      const second = await app.inject(url)
      expect(second.headers['cache-status']).toBe('cachefront; fwd=miss; detail=too-large')
      expect(second.body).toBe(first.body)
    }
    expect(calls).toBe(6)
    await app.inject('/small')
    expect((await app.inject('/small')).headers['cache-status']).toMatch(/^cachefront; hit/)
    expect(calls).toBe(7)
  })

  it('caches the routes of the registering scope and its descendants only', async () => {
    const app = Fastify()
    await app.register(async (scope) => {
      await scope.register(cachefront, { cache: createCache() })
      await scope.register(async (child) => {
        child.get('/child', { config: { cache: {} } }, async () => 'child')
      })
      scope.get('/scoped', { config: { cache: {} } }, async () => 'scoped')
    })
    app.get('/outside', { config: { cache: {} } }, async () => 'outside')
    expect((await app.inject('/scoped')).headers['cache-status']).toBe('cachefront; fwd=miss; stored')
    expect((await app.inject('/child')).headers['cache-status']).toBe('cachefront; fwd=miss; stored')
    expect((await app.inject('/outside')).headers['cache-status']).toBeUndefined()
  })
})
