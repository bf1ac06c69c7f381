// A Fastify hit goes out as stored: the entry's bytes and headers over those the hooks before the
// cache set, without running onSend hooks a second time; onResponse hooks still see it.
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify'
import { describe, expect, it, vi } from 'vitest'
import { createCache } from '../../src/index.js'
import { cachefront } from '../../src/adapters/fastify.js'

async function appWith(routes: (app: FastifyInstance) => void): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(cachefront, { cache: createCache() })
  routes(app)
  await app.ready()
  return app
}

describe('fastify hits', () => {
  it('finds the reply header object of this Fastify, so hits read it without a merged copy', async () => {
    const { replyHeadersSlot } = await import('../../src/adapters/fastify-reply-headers.js')
    let slot: symbol | null | undefined
    const app = Fastify()
    app.get('/', (_req, reply) => {
      slot = replyHeadersSlot(reply)
      return reply.send('ok')
    })
    await app.inject('/')
    expect(slot).toBeTypeOf('symbol')
  })

  it('keeps the headers an earlier hook set on a hit, and its own win over same-named ones', async () => {
    let calls = 0
    const app = await appWith((app) => {
      app.addHook('onRequest', async (_req, reply) => {
        reply.header('access-control-allow-origin', '*')
        reply.header('Cache-Status', 'from-hook')
        reply.raw.setHeader('x-raw', 'kept')
      })
      app.get('/page', { config: { cache: {} } }, async (_req, reply) => reply.type('text/html').send(`v${++calls}`))
    })
    await app.inject('/page')
    const hit = await app.inject('/page')
    expect(hit.headers['cache-status']).toMatch(/^cachefront; hit; ttl=/)
    expect(hit.headers['access-control-allow-origin']).toBe('*')
    expect(hit.headers['x-raw']).toBe('kept')
    expect(hit.headers['content-type']).toBe('text/html')
    expect(hit.body).toBe('v1')
    expect(calls).toBe(1)
  })

  it('sends the stored bytes as they are: an onSend transform applies once, on the miss', async () => {
    let transforms = 0
    const app = await appWith((app) => {
      app.addHook('onSend', async (_req, reply, payload) => {
        transforms++
        reply.header('x-footer', 'added')
        return `${String(payload)}<footer/>`
      })
      app.get('/page', { config: { cache: {} } }, async (_req, reply) => reply.type('text/html').send('<main/>'))
    })
    const miss = await app.inject('/page')
    const hit = await app.inject('/page')
    expect(miss.body).toBe('<main/><footer/>')
    expect(hit.headers['cache-status']).toMatch(/^cachefront; hit; ttl=/)
    expect(hit.body).toBe('<main/><footer/>')
    expect(hit.headers['content-length']).toBe(String(Buffer.byteLength('<main/><footer/>')))
    expect(hit.headers['x-footer']).toBe('added')
    expect(transforms).toBe(1)
  })

  it('runs onResponse hooks for hits, 304s and HEADs, with the status sent', async () => {
    const seen: number[] = []
    const app = await appWith((app) => {
      app.addHook('onResponse', async (_req, reply) => {
        seen.push(reply.statusCode)
      })
      app.get('/page', { config: { cache: {} } }, async () => 'page')
    })
    const miss = await app.inject('/page')
    await app.inject('/page')
    const etag = miss.headers['etag'] as string
    const notModified = await app.inject({ url: '/page', headers: { 'if-none-match': etag } })
    const head = await app.inject({ method: 'HEAD', url: '/page' })
    expect(notModified.statusCode).toBe(304)
    expect(notModified.body).toBe('')
    expect(head.statusCode).toBe(200)
    expect(head.body).toBe('')
    expect(head.headers['content-length']).toBe('4')
    expect(seen).toEqual([200, 200, 304, 200])
  })

  it('reads getHeaders() on a Fastify without that header object', async () => {
    vi.resetModules()
    const { hitHeaders } = await import('../../src/adapters/fastify-reply-headers.js')
    const plain = { getHeaders: () => ({}) } as unknown as FastifyReply
    const stored = { etag: '"x"', age: '3' }
    expect(hitHeaders(plain, stored)).toBe(stored)
    const withCors = { getHeaders: () => ({ 'access-control-allow-origin': '*', age: '9' }) } as unknown as FastifyReply
    expect(hitHeaders(withCors, stored)).toEqual({ 'access-control-allow-origin': '*', etag: '"x"', age: '3' })
    expect(stored).toEqual({ etag: '"x"', age: '3' })
  })
})
