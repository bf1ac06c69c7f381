// Express and Fastify serving TLS themselves: an https entry's background refresh must render as
// https (the entry is keyed by scheme), though the refresh runs on a socket of its own.
import { readFileSync } from 'node:fs'
import { createServer, request, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import express from 'express'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { cacheResponse } from '../../src/adapters/express.js'
import { cachefront } from '../../src/adapters/fastify.js'
import { createCache } from '../../src/index.js'
import { fakeClock, type FakeClock } from '../helpers/clock.js'
import { flushPromises } from '../helpers/deferred.js'

// A self-signed certificate for app.test and 127.0.0.1, made for these tests only.
const tls = {
  key: readFileSync(new URL('./fixtures/tls-key.pem', import.meta.url)),
  cert: readFileSync(new URL('./fixtures/tls-cert.pem', import.meta.url)),
}
const closers: (() => Promise<unknown>)[] = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()))
})

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/page', rejectUnauthorized: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve(body))
    })
    req.on('error', reject)
    req.end()
  })
}

async function staleThenRefreshed(port: number, clock: FakeClock, calls: () => number): Promise<string> {
  expect(await get(port)).toBe('call 1 over https')
  clock.advance(15_000)
  expect(await get(port)).toBe('call 1 over https') // stale, and the refresh starts
  while (calls() < 2) await flushPromises(1)
  await flushPromises()
  return get(port)
}

const route = { ttl: '10s', staleWhileRevalidate: '1m' } as const

describe('a background refresh of an https entry renders as https', () => {
  it('on Express', async () => {
    const clock = fakeClock()
    const app = express()
    let calls = 0
    app.get('/page', cacheResponse({ cache: createCache({ now: clock }), ...route }), (req, res) => {
      res.send(`call ${++calls} over ${req.protocol}`)
    })
    const server: Server = createServer(tls, app)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    closers.push(() => new Promise((resolve) => server.close(resolve)))
    const port = (server.address() as AddressInfo).port
    expect(await staleThenRefreshed(port, clock, () => calls)).toBe('call 2 over https')
  })

  it('on Fastify', async () => {
    const clock = fakeClock()
    const app: FastifyInstance = Fastify({ https: tls }) as unknown as FastifyInstance
    await app.register(cachefront, { cache: createCache({ now: clock }) })
    let calls = 0
    app.get('/page', { config: { cache: route } }, async (req) => `call ${++calls} over ${req.protocol}`)
    await app.listen({ port: 0, host: '127.0.0.1' })
    closers.push(() => app.close())
    const port = (app.server.address() as AddressInfo).port
    expect(await staleThenRefreshed(port, clock, () => calls)).toBe('call 2 over https')
  })
})
