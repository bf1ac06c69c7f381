// Express adapter: res.render, res.json, res.write/end and piped streams are captured as bytes;
// bodies over maxBodyBytes stream through uncached and are never held whole.
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Readable } from 'node:stream'
import { Eta } from 'eta'
import express from 'express'
import { afterEach, describe, expect, it } from 'vitest'
import { createCache } from '../../src/index.js'
import { cacheResponse } from '../../src/adapters/express.js'
import { serve, type Served } from './express-harness.js'

const VIEWS = fileURLToPath(new URL('./fixtures/views', import.meta.url))

let served: Served | undefined
afterEach(async () => {
  await served?.close()
  served = undefined
})

describe('express bodies', () => {
  it('stores res.render and res.json output and serves it without the handler', async () => {
    const eta = new Eta({ views: VIEWS })
    const app = express()
    app.engine('eta', (file, data, callback) => {
      try {
        callback(null, eta.render(relative(VIEWS, file), data as object))
      } catch (error) {
        callback(error)
      }
    })
    app.set('views', VIEWS)
    app.set('view engine', 'eta')
    const cache = createCache()
    let calls = 0
    app.get('/', cacheResponse({ cache }), (_req, res) => {
      calls++
      res.render('home', { title: 'Hello' })
    })
    app.get('/json/', cacheResponse({ cache }), (_req, res) => {
      calls++
      res.json({ message: 'Hello World' })
    })
    served = await serve(app)
    for (const path of ['/', '/json/']) await (await served.get(path)).text()
    const page = await served.get('/')
    expect(await page.text()).toContain('<h1>Hello</h1>')
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(page.headers.get('cache-status')).toMatch(/^cachefront; hit/)
    const json = await served.get('/json/')
    expect(await json.json()).toEqual({ message: 'Hello World' })
    expect(json.headers.get('cache-status')).toMatch(/^cachefront; hit/)
    expect(calls).toBe(2)
  })

  it('stores what res.write and a piped stream write', async () => {
    const app = express()
    const cache = createCache()
    let calls = 0
    app.get('/written', cacheResponse({ cache }), (_req, res) => {
      calls++
      res.setHeader('content-type', 'text/plain')
      res.write('one,')
      res.write(Buffer.from('two,'))
      res.end('three')
    })
    app.get('/piped', cacheResponse({ cache }), (_req, res) => {
      calls++
      res.type('text/plain')
      Readable.from(['a', 'b', 'c']).pipe(res)
    })
    served = await serve(app)
    for (const path of ['/written', '/piped']) await (await served.get(path)).text()
    const written = await served.get('/written')
    expect(await written.text()).toBe('one,two,three')
    expect(written.headers.get('cache-status')).toMatch(/^cachefront; hit/)
    const piped = await served.get('/piped')
    expect(await piped.text()).toBe('abc')
    expect(piped.headers.get('cache-status')).toMatch(/^cachefront; hit/)
    expect(calls).toBe(2)
  })

  it('streams a body over maxBodyBytes through uncached, without holding it whole', async () => {
    const app = express()
    let calls = 0
    const chunk = Buffer.alloc(1000, 'x')
    let heldBeforeLastChunk = -1
    app.get('/large', cacheResponse({ cache: createCache(), maxBodyBytes: 1500 }), (_req, res) => {
      calls++
      res.type('text/plain')
      res.write(chunk)
      res.write(chunk)
      // Past the limit the head and the first chunks are already on their way to the client.
      heldBeforeLastChunk = res.headersSent ? 0 : 1
      res.end(chunk)
    })
    served = await serve(app)
    const first = await served.get('/large')
    expect(first.headers.get('cache-status')).toBe('cachefront; fwd=miss; detail=too-large')
    expect((await first.text()).length).toBe(3000)
    expect(heldBeforeLastChunk).toBe(0)
    await (await served.get('/large')).text()
    expect(calls).toBe(2)
  })
})
