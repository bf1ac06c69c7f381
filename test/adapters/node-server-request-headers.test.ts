// On @hono/node-server the cache reads Node's parsed request headers (env.incoming) rather than
// have node-server build the Web Headers per request, but only where those are exactly what the
// handler reads: all of the client's lines, and the Request node-server made for them.
import { connect } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'
import { Hono } from 'hono'
import { afterEach, describe, expect, it } from 'vitest'
import { cacheResponse as fetchCache } from '../../src/adapters/fetch.js'
import { cacheResponse as honoCache } from '../../src/adapters/hono.js'
import { createCache } from '../../src/index.js'

type Fetch = (request: Request, env: unknown) => Response | Promise<Response>

const servers: ServerType[] = []
const restores: (() => void)[] = []
afterEach(async () => {
  for (const restore of restores.splice(0)) restore()
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))))
})

function listen(fetch: Fetch): Promise<number> {
  return new Promise((resolve) => {
    servers.push(serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port)))
  })
}

/** Sends `headerLines` (each `Name: value`) with a GET of `path`; the answer's Cache-Status and body. */
function get(port: number, path: string, headerLines: string[] = []): Promise<{ cacheStatus: string; body: string }> {
  return new Promise((resolve, reject) => {
    const head = [`GET ${path} HTTP/1.1`, 'Host: app.test', ...headerLines, 'Connection: close', '', ''].join('\r\n')
    const socket = connect(port, '127.0.0.1', () => socket.write(head))
    let data = ''
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => (data += chunk))
    socket.on('end', () => {
      const [head = '', body = ''] = data.split('\r\n\r\n')
      resolve({ cacheStatus: /\r\ncache-status: ([^\r]*)/i.exec(head)?.[1] ?? '', body })
    })
    socket.on('error', reject)
  })
}

/** Counts how often node-server's Request builds or returns its Web Headers, from now on. */
function countWebHeaderReads(sample: Request): () => number {
  const prototype = Object.getPrototypeOf(sample) as object
  const descriptor = Object.getOwnPropertyDescriptor(prototype, 'headers')!
  let reads = 0
  Object.defineProperty(prototype, 'headers', {
    configurable: true,
    get(this: Request) {
      reads++
      return descriptor.get!.call(this) as Headers
    },
  })
  restores.push(() => Object.defineProperty(prototype, 'headers', descriptor))
  return () => reads
}

// 1,005 header lines before the one that matters: Node parses the first 1,000 into `headers`, and
// node-server builds the handler's Headers from all of them.
const FILLERS = Array.from({ length: 1005 }, (_, i) => `x${i}: a`)

describe.each([
  ['a fetch handler', (origin: Fetch): Fetch => fetchCache(origin, { cache: createCache() })],
  [
    'Hono',
    (origin: Fetch): Fetch => {
      const app = new Hono()
      app.get('*', honoCache({ cache: createCache() }), (c) => origin(c.req.raw, c.env))
      return app.fetch
    },
  ],
])('%s on @hono/node-server', (_name, cached) => {
  it("answers a hit from Node's headers, without building the Web ones", async () => {
    let calls = 0
    let reads: () => number = () => 0
    const handler = cached(() => new Response(`call ${++calls}`))
    const port = await listen((request, env) => {
      if (calls === 0) reads = countWebHeaderReads(request)
      return handler(request, env)
    })
    await get(port, '/page')
    const before = reads()
    const hit = await get(port, '/page', ['Accept: text/html'])
    expect(hit).toEqual({ cacheStatus: expect.stringMatching(/^cachefront; hit/) as string, body: 'call 1' })
    expect(reads() - before).toBe(0)
  })

  it('sees a Cookie sent after more header lines than Node parses', async () => {
    let calls = 0
    const port = await listen(cached((request) => new Response(`call ${++calls}: ${request.headers.get('cookie')}`)))
    const attack = await get(port, '/p', [...FILLERS, 'Cookie: session=attacker'])
    expect(attack.cacheStatus).toBe('cachefront; fwd=bypass; detail=cookie')
    expect((await get(port, '/p')).body).toBe('call 2: null')
  })

  it('reads the headers of a Request that a wrapper rebuilt with other headers', async () => {
    let calls = 0
    const handler = cached((request) => new Response(`call ${++calls}: ${request.headers.get('authorization')}`))
    const port = await listen((request, env) => {
      const headers = new Headers(request.headers)
      if (request.url.endsWith('/me')) headers.set('authorization', 'Bearer alice')
      return handler(new Request(request, { headers }), env)
    })
    expect((await get(port, '/me')).cacheStatus).toBe('cachefront; fwd=bypass; detail=authorization')
  })
})
