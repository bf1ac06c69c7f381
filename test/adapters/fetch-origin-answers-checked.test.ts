// What the origin resolves to is checked before it is stored: a value that is not a Response is a
// typed error for that request that lets its waiters go on at once; a storable 204 is answered
// without a body, as the Fetch standard requires, and without Content-Length (RFC 9110 §8.6).
import { describe, expect, it } from 'vitest'
import { createCache } from '../../src/index.js'
import { cacheResponse } from '../../src/adapters/fetch.js'
import { deferred, flushPromises } from '../helpers/deferred.js'

describe('fetch adapter: origin answers', () => {
  it('rejects a handler result that is not a Response, and its waiters ask the origin at once', async () => {
    const cache = createCache({ lockTimeout: '60s' })
    const gate = deferred()
    let calls = 0
    const handler = cacheResponse(
      (async () => {
        calls++
        if (calls === 1) {
          await gate.promise
          return undefined
        }
        return new Response('second')
      }) as unknown as (request: Request) => Promise<Response>,
      { cache },
    )
    const leader = Promise.resolve(handler(new Request('http://app.test/p')))
    const waiter = Promise.resolve(handler(new Request('http://app.test/p')))
    await flushPromises()
    expect(cache.stats().coalescedWaits).toBe(1)
    gate.resolve()
    await expect(leader).rejects.toThrow(/the handler must resolve to a Response, got undefined/)
    const answer = await waiter
    expect(await answer.text()).toBe('second')
    expect(calls).toBe(2)
  })

  it('stores a 204 when the route allows it and answers it with no body and no Content-Length', async () => {
    let calls = 0
    const handler = cacheResponse(
      () => {
        calls++
        return new Response(null, { status: 204, headers: { 'x-version': String(calls) } })
      },
      { cache: createCache(), statuses: [200, 204] },
    )
    const miss = await handler(new Request('http://app.test/ping'))
    const hit = await handler(new Request('http://app.test/ping'))
    expect(miss.status).toBe(204)
    expect(hit.status).toBe(204)
    expect(hit.headers.get('cache-status')).toMatch(/^cachefront; hit/)
    expect(hit.headers.get('x-version')).toBe('1')
    expect(hit.headers.get('content-length')).toBeNull()
    expect(hit.body).toBeNull()
    expect(calls).toBe(1)
  })
})
