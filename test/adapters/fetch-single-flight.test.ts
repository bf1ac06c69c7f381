import { describe, expect, it } from 'vitest'
import { createCache } from '../../src/index.js'
import { cacheResponse } from '../../src/adapters/fetch.js'
import { fakeClock } from '../helpers/clock.js'
import { flushPromises } from '../helpers/deferred.js'
import { countingOrigin, gated } from '../helpers/origin.js'

describe('fetch adapter: single-flight', () => {
  it('runs the handler once for N concurrent requests on a cold key, all get the same body', async () => {
    const origin = countingOrigin((_, call) => new Response(`body ${call}`))
    const gate = gated(origin)
    const fetchHandler = cacheResponse(origin.handler, { cache: createCache() })
    const pending = Array.from({ length: 50 }, () => fetchHandler(new Request('http://app.test/slow')))
    await flushPromises()
    expect(origin.calls).toBe(1)
    gate.resolve()
    const responses = await Promise.all(pending)
    expect(origin.calls).toBe(1)
    expect(new Set(await Promise.all(responses.map((r) => r.text())))).toEqual(new Set(['body 1']))
    const statuses = responses.map((r) => r.headers.get('cache-status'))
    expect(statuses.filter((s) => s === 'cachefront; fwd=miss; stored')).toHaveLength(1)
    expect(statuses.filter((s) => s === 'cachefront; fwd=miss; collapsed')).toHaveLength(49)
  })

  it('lets each waiter ask the origin itself when the leader’s response is not storable', async () => {
    const origin = countingOrigin(
      (_, call) => new Response(`private ${call}`, { headers: { 'set-cookie': `s=${call}` } }),
    )
    const gate = gated(origin)
    const fetchHandler = cacheResponse(origin.handler, { cache: createCache() })
    const pending = Array.from({ length: 3 }, () => fetchHandler(new Request('http://app.test/me')))
    await flushPromises()
    gate.resolve()
    const bodies = await Promise.all((await Promise.all(pending)).map((r) => r.text()))
    expect(origin.calls).toBe(3)
    expect(new Set(bodies).size).toBe(3)
  })

  it('stops waiting for a hung fill after lockTimeout and asks the origin', async () => {
    const cache = createCache({ lockTimeout: 50 })
    const origin = countingOrigin((_, call) => new Response(`body ${call}`))
    const gate = gated(origin)
    const fetchHandler = cacheResponse(origin.handler, { cache })
    const leader = fetchHandler(new Request('http://app.test/hang'))
    await flushPromises()
    origin.gate = undefined
    const waiter = await fetchHandler(new Request('http://app.test/hang'))
    expect(await waiter.text()).toBe('body 2')
    gate.resolve()
    expect(await (await leader).text()).toBe('body 1')
  })

  it('lets a new request lead once a fill has run longer than lockTimeout', async () => {
    const clock = fakeClock()
    const cache = createCache({ now: clock, lockTimeout: '5s' })
    const origin = countingOrigin((_, call) => new Response(`body ${call}`))
    const hung = gated(origin)
    const fetchHandler = cacheResponse(origin.handler, { cache })
    const leader = fetchHandler(new Request('http://app.test/hung'))
    await flushPromises()
    origin.gate = undefined
    clock.advance(5_000)
    const next = await fetchHandler(new Request('http://app.test/hung'))
    expect(next.headers.get('cache-status')).toBe('cachefront; fwd=miss; stored')
    expect(await (await fetchHandler(new Request('http://app.test/hung'))).text()).toBe('body 2')
    expect(origin.calls).toBe(2)
    hung.resolve()
    expect(await (await leader).text()).toBe('body 1')
  })

  it('does not share entries across different keys', async () => {
    const clock = fakeClock()
    const origin = countingOrigin((request) => new Response(new URL(request.url).pathname))
    const fetchHandler = cacheResponse(origin.handler, { cache: createCache({ now: clock }) })
    const [a, b] = await Promise.all([
      fetchHandler(new Request('http://app.test/a')),
      fetchHandler(new Request('http://app.test/b')),
    ])
    expect(await a.text()).toBe('/a')
    expect(await b.text()).toBe('/b')
    expect(origin.calls).toBe(2)
  })
})
