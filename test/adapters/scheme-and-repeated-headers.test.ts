// What the handler reads must be what the key reads: the scheme of the URL, and every value of a
// header the client repeated.
import { connect } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'
import { Hono } from 'hono'
import { afterEach, describe, expect, it } from 'vitest'
import { cacheResponse as honoCache } from '../../src/adapters/hono.js'
import { cacheResponse as fetchCache } from '../../src/adapters/fetch.js'
import { createCache } from '../../src/index.js'

// A page that links to its own origin, as server-rendered pages do.
const linkTo = (url: string, call: number): string => `call ${call}: <a href="${new URL(url).origin}/next">`

describe('an https request never shares the http entry of the same URL', () => {
  it('on Hono', async () => {
    const app = new Hono()
    let calls = 0
    app.get('*', honoCache({ cache: createCache() }), (c) => c.text(linkTo(c.req.url, ++calls)))
    expect(await (await app.request('http://app.test/page')).text()).toBe('call 1: <a href="http://app.test/next">')
    const secure = await app.request('https://app.test/page')
    expect(await secure.text()).toBe('call 2: <a href="https://app.test/next">')
    expect((await app.request('https://app.test/page')).headers.get('cache-status')).toMatch(/^cachefront; hit/)
  })

  it('on a fetch handler', async () => {
    let calls = 0
    const handler = fetchCache((request) => new Response(linkTo(request.url, ++calls)), { cache: createCache() })
    await handler(new Request('http://app.test/page'))
    expect(await (await handler(new Request('https://app.test/page'))).text()).toBe(
      'call 2: <a href="https://app.test/next">',
    )
  })
})

describe('on @hono/node-server: a repeated header named in vary', () => {
  const servers: ServerType[] = []
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))))
  })

  function get(port: number, headerLines: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () =>
        socket.write(`GET /ua HTTP/1.1\r\nHost: app.test\r\n${headerLines}Connection: close\r\n\r\n`),
      )
      let data = ''
      socket.setEncoding('latin1')
      socket.on('data', (chunk: string) => (data += chunk))
      socket.on('end', () => resolve(data.slice(data.indexOf('\r\n\r\n') + 4)))
      socket.on('error', reject)
    })
  }

  async function listen(fetch: (request: Request, env: unknown) => Response | Promise<Response>): Promise<number> {
    return new Promise<number>((resolve) => {
      servers.push(serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port)))
    })
  }

  // Node keeps the first User-Agent; the Headers that the handler reads join both.
  async function expectKeyedAsRead(port: number): Promise<void> {
    const attack = await get(port, 'User-Agent: Mobile\r\nUser-Agent: <img src=x onerror=alert(1)>\r\n')
    expect(attack).toBe('call 1: Mobile, <img src=x onerror=alert(1)>')
    expect(await get(port, 'User-Agent: Mobile\r\n')).toBe('call 2: Mobile')
  }

  it('Hono keys every value the handler reads, not only the first that Node keeps', async () => {
    const app = new Hono()
    let calls = 0
    app.get('/ua', honoCache({ cache: createCache(), vary: ['user-agent'] }), (c) =>
      c.text(`call ${++calls}: ${c.req.header('user-agent')}`),
    )
    await expectKeyedAsRead(await listen(app.fetch))
  })

  it('a fetch handler keys every value the handler reads, not only the first that Node keeps', async () => {
    let calls = 0
    const handler = fetchCache(
      (request: Request, _env: unknown) => new Response(`call ${++calls}: ${request.headers.get('user-agent')}`),
      { cache: createCache(), vary: ['user-agent'] },
    )
    await expectKeyedAsRead(await listen(handler))
  })
})
