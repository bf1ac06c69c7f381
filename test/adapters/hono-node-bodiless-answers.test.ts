// Hono on @hono/node-server: 304 and HEAD hits take the server's fast path (see
// src/http/bodiless-response.ts). What reaches the wire must be exactly what HTTP asks for, and
// middleware around the cache must see an ordinary bodiless Response.
import { connect } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'
import { Hono, type MiddlewareHandler } from 'hono'
import { afterEach, describe, expect, it } from 'vitest'
import { cacheResponse } from '../../src/adapters/hono.js'
import { createCache } from '../../src/index.js'

const BODY = '<p>' + 'x'.repeat(2000) + '</p>'
const servers: ServerType[] = []

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))))
})

async function start(outer?: MiddlewareHandler): Promise<number> {
  const app = new Hono()
  if (outer) app.use('*', outer)
  app.get('/page', cacheResponse({ cache: createCache() }), (c) => c.html(BODY))
  return new Promise((resolve) => {
    servers.push(serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port)))
  })
}

interface Raw {
  readonly status: number
  readonly headers: Map<string, string[]>
  /** Bytes after the head, read until the next response's head or the socket's end. */
  readonly rest: string
}

// Two requests on one keep-alive connection, read as raw bytes: a body or a length where there
// must be none would show as bytes between the two responses or a broken second response.
function twoOnOneConnection(port: number, first: string, second: string): Promise<[Raw, Raw]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let data = ''
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => {
      data += chunk
      const heads = data.split('HTTP/1.1 ').length - 1
      if (heads === 2 && /\r\n\r\n[\s\S]*$/.test(data.slice(data.lastIndexOf('HTTP/1.1 ')))) {
        const lastHead = data.slice(data.lastIndexOf('HTTP/1.1 '))
        const [, ...after] = lastHead.split('\r\n\r\n')
        const expected = Number(/content-length: (\d+)/i.exec(lastHead)?.[1] ?? 0)
        if (after.join('\r\n\r\n').length >= expected) {
          socket.end()
          const parts = data.split(/(?=HTTP\/1\.1 )/)
          resolve([parse(parts[0]!), parse(parts[1]!)])
        }
      }
    })
    socket.on('error', reject)
    socket.write(first + second)
  })
}

function parse(text: string): Raw {
  const [head, ...rest] = text.split('\r\n\r\n')
  const [statusLine, ...lines] = head!.split('\r\n')
  const headers = new Map<string, string[]>()
  for (const line of lines) {
    const colon = line.indexOf(':')
    const name = line.slice(0, colon).toLowerCase()
    headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()])
  }
  return { status: Number(statusLine!.split(' ')[1]), headers, rest: rest.join('\r\n\r\n') }
}

const get = (headers = ''): string => `GET /page HTTP/1.1\r\nHost: app.test\r\n${headers}\r\n`

/** One request on a connection of its own, read to the end. */
function oneRequest(port: number, request: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let data = ''
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => (data += chunk))
    socket.on('end', () => resolve(parse(data)))
    socket.on('error', reject)
    socket.write(request.replace(/\r\n\r\n$/, '\r\nConnection: close\r\n\r\n'))
  })
}

/** Fills the entry (Host app.test), and returns its ETag from a hit. */
async function etagOf(port: number): Promise<string> {
  expect((await oneRequest(port, get())).headers.get('cache-status')?.[0]).toMatch(/fwd=miss; stored/)
  const hit = await oneRequest(port, get())
  expect(hit.headers.get('cache-status')?.[0]).toMatch(/^cachefront; hit/)
  return hit.headers.get('etag')![0]!
}

/** A 304 as HTTP asks for it: its validator and Cache-Status, no length, no type, no body. */
function expectBare304(answer: Raw, etag: string, cacheStatus: RegExp): void {
  expect(answer.status).toBe(304)
  expect(answer.headers.get('etag')).toEqual([etag])
  expect(answer.headers.get('cache-status')?.[0]).toMatch(cacheStatus)
  expect(answer.headers.has('content-length')).toBe(false)
  expect(answer.headers.has('transfer-encoding')).toBe(false)
  expect(answer.headers.has('content-type')).toBe(false)
  expect(answer.rest).toBe('')
}

function expectWhole(answer: Raw): void {
  expect(answer.status).toBe(200)
  expect(answer.rest).toBe(BODY)
}

describe('hono on @hono/node-server: answers without a body', () => {
  it('a 304 hit carries its validators and Cache-Status, no Content-Length and no body', async () => {
    const port = await start()
    const etag = await etagOf(port)
    const [notModified, next] = await twoOnOneConnection(port, get(`If-None-Match: ${etag}\r\n`), get())
    expectBare304(notModified, etag, /^cachefront; hit/)
    expect(notModified.headers.get('age')).toHaveLength(1)
    // The connection is intact: the next response follows at once, whole.
    expectWhole(next)
  })

  it("a miss whose fresh response matches the client's If-None-Match is a 304 of the same shape", async () => {
    // The client holds the page from before (its ETag, from another process); this one has not
    // cached it yet: the origin runs, and its response, stored, matches the client's validator.
    const etag = await etagOf(await start())
    const port = await start()
    const [notModified, next] = await twoOnOneConnection(port, get(`If-None-Match: ${etag}\r\n`), get())
    expectBare304(notModified, etag, /fwd=miss; stored/)
    // Pipelined behind it, the next request joined the same fill: the connection is intact.
    expectWhole(next)
  })

  it("a HEAD hit carries the GET's Content-Length and no body", async () => {
    const port = await start()
    await etagOf(port)
    const [head, next] = await twoOnOneConnection(port, 'HEAD /page HTTP/1.1\r\nHost: app.test\r\n\r\n', get())
    expect(head.status).toBe(200)
    expect(head.headers.get('content-length')).toEqual([String(Buffer.byteLength(BODY))])
    expect(head.headers.get('cache-status')?.[0]).toMatch(/^cachefront; hit/)
    expect(head.rest).toBe('')
    expect(next.rest).toBe(BODY)
  })

  it('middleware around the cache that changes or reads a 304 sees an ordinary bodiless Response', async () => {
    const seen: unknown[] = []
    const port = await start(async (c, next) => {
      await next()
      if (c.res.status === 304) seen.push(c.res.body)
      c.res.headers.set('x-outer', 'set after the cache')
    })
    const etag = await etagOf(port)
    const [notModified] = await twoOnOneConnection(port, get(`If-None-Match: ${etag}\r\n`), get())
    expect(notModified.status).toBe(304)
    expect(notModified.headers.get('x-outer')).toEqual(['set after the cache'])
    expect(notModified.headers.get('etag')).toEqual([etag])
    expect(notModified.headers.has('content-length')).toBe(false)
    expect(notModified.rest).toBe('')
    expect(seen).toEqual([null])
  })

  it('c.header() from middleware around the cache reaches a 304 too', async () => {
    const port = await start(async (c, next) => {
      await next()
      c.header('x-outer', 'via c.header')
    })
    const etag = await etagOf(port)
    const [notModified] = await twoOnOneConnection(port, get(`If-None-Match: ${etag}\r\n`), get())
    expect(notModified.status).toBe(304)
    expect(notModified.headers.get('x-outer')).toEqual(['via c.header'])
    expect(notModified.headers.has('content-length')).toBe(false)
  })
})
