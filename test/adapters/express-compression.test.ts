// Express with `compression`, in both orders: a cached entry never serves gzip bytes to a client
// that did not accept gzip, and a gzip client gets gzip.
import { request } from 'node:http'
import { gunzipSync, gzipSync } from 'node:zlib'
import compression from 'compression'
import express, { type RequestHandler } from 'express'
import { afterEach, describe, expect, it } from 'vitest'
import { createCache } from '../../src/index.js'
import { cacheResponse } from '../../src/adapters/express.js'
import { serve, type Served } from './express-harness.js'

// Above compression's 1 kB threshold, so that it does compress.
const PAGE = `<p>${'cached '.repeat(400)}</p>`

let served: Served | undefined
afterEach(async () => {
  await served?.close()
  served = undefined
})

interface Raw {
  readonly headers: Record<string, string | string[] | undefined>
  readonly body: Buffer
}

// fetch would decode gzip for us; the test must see the bytes on the wire.
function raw(url: string, acceptEncoding: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { 'accept-encoding': acceptEncoding } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }))
    })
    req.on('error', reject)
    req.end()
  })
}

function expectGzip(response: Raw): void {
  expect(response.headers['content-encoding']).toBe('gzip')
  expect(gunzipSync(response.body).toString()).toBe(PAGE)
}

function expectIdentity(response: Raw): void {
  expect(response.headers['content-encoding']).toBeUndefined()
  expect(response.body.toString()).toBe(PAGE)
}

async function scenario(stack: (handler: RequestHandler) => express.Express): Promise<() => number> {
  let calls = 0
  const app = stack((_req, res) => {
    calls++
    res.send(PAGE)
  })
  served = await serve(app)
  return () => calls
}

describe('express with compression', () => {
  it('compression before cacheResponse: stores identity bytes and compresses each answer', async () => {
    const cache = createCache()
    const calls = await scenario((handler) => {
      const app = express()
      app.use(compression())
      app.get('/', cacheResponse({ cache }), handler)
      return app
    })
    const url = served!.url + '/'
    expectGzip(await raw(url, 'gzip'))
    const plain = await raw(url, 'identity')
    expectIdentity(plain)
    expect(plain.headers['cache-status']).toMatch(/^cachefront; hit/)
    const gzip = await raw(url, 'gzip, deflate')
    expectGzip(gzip)
    expect(gzip.headers['cache-status']).toMatch(/^cachefront; hit/)
    expect(calls()).toBe(1)
  })

  it('compression after cacheResponse: stores one encoded copy per Accept-Encoding', async () => {
    const cache = createCache()
    const calls = await scenario((handler) => {
      const app = express()
      app.get('/', cacheResponse({ cache }), compression(), handler)
      return app
    })
    const url = served!.url + '/'
    const first = await raw(url, 'gzip')
    expectGzip(first)
    expect(first.headers['cache-status']).toBe('cachefront; fwd=miss; stored')
    // Another Accept-Encoding is another variant: the gzip entry is not for this client.
    const plain = await raw(url, 'identity')
    expectIdentity(plain)
    expect(plain.headers['cache-status']).toBe('cachefront; fwd=miss; stored')
    const gzipHit = await raw(url, 'gzip')
    expectGzip(gzipHit)
    expect(gzipHit.headers['cache-status']).toMatch(/^cachefront; hit/)
    const plainHit = await raw(url, 'identity')
    expectIdentity(plainHit)
    expect(plainHit.headers['cache-status']).toMatch(/^cachefront; hit/)
    expect(calls()).toBe(2)
  })

  it('keys an encoded body by Accept-Encoding even when the response forgot Vary', async () => {
    const cache = createCache()
    let calls = 0
    const app = express()
    app.get('/', cacheResponse({ cache }), (req, res) => {
      calls++
      if (/gzip/.test(req.headers['accept-encoding'] ?? '')) res.set('content-encoding', 'gzip').send(gzipSync(PAGE))
      else res.send(Buffer.from(PAGE))
    })
    served = await serve(app)
    const url = served.url + '/'
    expectGzip(await raw(url, 'gzip'))
    expectGzip(await raw(url, 'gzip'))
    expectIdentity(await raw(url, 'identity'))
    expect(calls).toBe(2)
  })
})
