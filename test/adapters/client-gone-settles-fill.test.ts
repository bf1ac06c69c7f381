// A client that goes away lets its fill go (waiters ask the origin themselves): whether it leaves
// before the cache starts capturing, or while the handler is still writing. What the handler ends
// afterwards is neither an error that ends the process nor a second settling of that fill.
import express from 'express'
import Fastify, { type FastifyInstance } from 'fastify'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { PassThrough } from 'node:stream'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createCache, type Cache } from '../../src/index.js'
import { cacheResponse as expressCache } from '../../src/adapters/express.js'
import { cachefront } from '../../src/adapters/fastify.js'
import { deferred, flushPromises, until, type Deferred } from '../helpers/deferred.js'

const thrown: unknown[] = []
const onThrown = (error: unknown) => thrown.push(error)
beforeAll(() => {
  process.on('unhandledRejection', onThrown)
  process.on('uncaughtException', onThrown)
})
afterAll(() => {
  process.off('unhandledRejection', onThrown)
  process.off('uncaughtException', onThrown)
})

const servers: http.Server[] = []
afterEach(async () => {
  thrown.length = 0
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})

/** Starts a request and returns a function that drops its connection. */
function openRequest(server: http.Server, path: string): () => void {
  const { port } = server.address() as AddressInfo
  const request = http.get({ host: '127.0.0.1', port, path })
  request.on('error', () => undefined)
  return () => request.destroy()
}

async function fetchText(server: http.Server, path: string): Promise<{ body: string; cacheStatus: string | null }> {
  const { port } = server.address() as AddressInfo
  const response = await fetch(`http://127.0.0.1:${port}${path}`)
  return { body: await response.text(), cacheStatus: response.headers.get('cache-status') }
}

function listening(server: http.Server): Promise<http.Server> {
  servers.push(server)
  return new Promise((resolve) => server.once('listening', () => resolve(server)))
}

describe('express', () => {
  // A cache with a lock that outlives the test: a fill left unsettled would show as a waiter.
  const longLock = (): Cache => createCache({ lockTimeout: '60s' })

  it('a handler that writes in pieces and ends after the client left: no throw, the fill is let go', async () => {
    const cache = longLock()
    const rows: Array<Deferred<void>> = [deferred(), deferred()]
    const closed = deferred()
    let calls = 0
    const app = express()
    app.get('/rows', expressCache({ cache }), async (req, res) => {
      calls++
      res.type('text/plain')
      if (calls > 1) return void res.end('fresh')
      req.socket.once('close', () => closed.resolve())
      res.write('row 1\n')
      await rows[0]!.promise
      res.end('row 2\n')
    })
    const server = await listening(app.listen(0, '127.0.0.1'))
    const drop = openRequest(server, '/rows')
    await until(() => calls === 1)
    drop()
    await closed.promise
    const next = fetchText(server, '/rows')
    await until(() => calls === 2 || cache.stats().coalescedWaits === 1)
    rows[0]!.resolve()
    expect((await next).body).toBe('fresh')
    await flushPromises()
    expect(cache.stats().coalescedWaits).toBe(0)
    expect(thrown).toEqual([])
  })

  it('a client gone before the cache acts (a slow middleware first) runs no handler and holds no fill', async () => {
    const cache = longLock()
    const slowAuth = deferred()
    const entered = deferred()
    const closed = deferred()
    let calls = 0
    const app = express()
    app.use(async (req, _res, next) => {
      if (req.headers['x-first'] !== undefined) {
        req.socket.once('close', () => closed.resolve())
        entered.resolve()
        await slowAuth.promise
      }
      next()
    })
    app.get('/file', expressCache({ cache }), (_req, res) => {
      calls++
      // What res.sendFile or a pipeline does on a destroyed response: stop, never call res.end.
      if (res.destroyed) return
      res.type('text/plain').end('file')
    })
    const server = await listening(app.listen(0, '127.0.0.1'))
    const { port } = server.address() as AddressInfo
    const first = http.get({ host: '127.0.0.1', port, path: '/file', headers: { 'x-first': '1' } })
    first.on('error', () => undefined)
    await entered.promise
    first.destroy()
    await closed.promise
    slowAuth.resolve()
    await flushPromises()
    // Nobody is left to answer: the handler does not run for the first request.
    expect(calls).toBe(0)
    const second = await fetchText(server, '/file')
    expect(second.body).toBe('file')
    expect(second.cacheStatus).toMatch(/fwd=miss; stored/)
    expect(cache.stats().coalescedWaits).toBe(0)
    expect(thrown).toEqual([])
  })
})

describe('fastify', () => {
  async function listen(app: FastifyInstance): Promise<http.Server> {
    await app.listen({ port: 0, host: '127.0.0.1' })
    servers.push(app.server)
    return app.server
  }

  it('a streamed reply that ends after the client left: no throw, the fill is let go', async () => {
    const cache = createCache({ lockTimeout: '60s' })
    const closed = deferred()
    const body = new PassThrough()
    let calls = 0
    const app = Fastify()
    await app.register(cachefront, { cache })
    app.get('/stream', { config: { cache: {} } }, async (request, reply) => {
      calls++
      if (calls > 1) return reply.type('text/plain').send('fresh')
      request.raw.socket.once('close', () => closed.resolve())
      body.write('part 1\n')
      return reply.type('text/plain').send(body)
    })
    const server = await listen(app)
    const drop = openRequest(server, '/stream')
    await until(() => calls === 1)
    drop()
    await closed.promise
    await flushPromises()
    body.end('part 2\n')
    await flushPromises()
    const next = await fetchText(server, '/stream')
    expect(next.body).toBe('fresh')
    expect(cache.stats().coalescedWaits).toBe(0)
    expect(thrown).toEqual([])
  })

  it('a Web Response sent on a cached route goes out as the handler sent it', async () => {
    const app = Fastify()
    await app.register(cachefront, { cache: createCache() })
    app.get('/web', { config: { cache: {} } }, async (_request, reply) =>
      reply.send(new Response('from a Response', { headers: { 'content-type': 'text/plain' } })),
    )
    const answer = await app.inject('/web')
    expect(answer.statusCode).toBe(200)
    expect(answer.body).toBe('from a Response')
  })
})
