// On @hono/node-server a fetch handler is passed Node's request beside the Web one: the cache reads
// Node's parsed headers there, so that a hit never has the Web Headers built (a fifth of a hit's
// CPU). Here the Web Request's headers count their readers.
import { describe, expect, it } from 'vitest'
import { cacheResponse } from '../../src/adapters/fetch.js'
import { createCache } from '../../src/index.js'

/** A Request whose `headers` count how often they are read, and the env node-server would pass. */
function nodeServerCall(path: string, headers: Record<string, string> = {}) {
  const request = new Request(`http://app.test${path}`, { headers })
  let reads = 0
  Object.defineProperty(request, 'headers', {
    get() {
      reads++
      return new Headers(headers)
    },
  })
  const incoming = { headers: { host: 'app.test', ...headers }, httpVersion: '1.1', url: path }
  return { request, env: { incoming }, reads: () => reads }
}

describe('a fetch handler on @hono/node-server', () => {
  it("answers a hit from Node's headers without building the Web ones", async () => {
    let calls = 0
    const handler = cacheResponse((_request: Request, _env: unknown) => new Response(`call ${++calls}`), {
      cache: createCache(),
      vary: ['accept-language'],
    })
    const miss = nodeServerCall('/page', { 'accept-language': 'de' })
    await handler(miss.request, miss.env)
    const hit = nodeServerCall('/page', { 'accept-language': 'de' })
    const answer = await handler(hit.request, hit.env)
    expect(await answer.text()).toBe('call 1')
    expect(answer.headers.get('cache-status')).toMatch(/^cachefront; hit/)
    expect(hit.reads()).toBe(0)
    const other = nodeServerCall('/page', { 'accept-language': 'fr' })
    expect(await (await handler(other.request, other.env)).text()).toBe('call 2')
  })

  it("still bypasses on a header found among Node's (Authorization)", async () => {
    let calls = 0
    const handler = cacheResponse((_request: Request, _env: unknown) => new Response(`call ${++calls}`), {
      cache: createCache(),
    })
    const first = nodeServerCall('/me', { authorization: 'Bearer a' })
    const answer = await handler(first.request, first.env)
    expect(answer.headers.get('cache-status')).toBe('cachefront; fwd=bypass; detail=authorization')
    const second = nodeServerCall('/me')
    expect(await (await handler(second.request, second.env)).text()).toBe('call 2')
  })

  it('reads the Web headers when the platform passes something else', async () => {
    const handler = cacheResponse((_request: Request, _env: unknown) => new Response('ok'), { cache: createCache() })
    const call = nodeServerCall('/p')
    await handler(call.request, { incoming: 'not a node request' })
    expect(call.reads()).toBeGreaterThan(0)
  })
})
