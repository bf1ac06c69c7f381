// A client's conditional request on a cold key gets the origin's 304, which is not stored; it
// must not mark the key uncacheable (hit-for-pass), or later cold requests stop coalescing.
import { expect, it } from 'vitest'
import { createCache, memoryStore } from '../../src/index.js'
import { cacheResponse } from '../../src/adapters/fetch.js'
import { fakeClock } from '../helpers/clock.js'
import { deferred, flushPromises } from '../helpers/deferred.js'

it("a client's 304 on a cold key does not stop later cold requests from coalescing", async () => {
  const now = fakeClock()
  const cache = createCache({ store: memoryStore(), now, ttl: '1m' })
  let calls = 0
  const release = deferred()
  let gated = false
  const handler = cacheResponse(
    async (request) => {
      calls++
      if (request.headers.get('if-none-match') === '"v1"') return new Response(null, { status: 304 })
      if (gated) await release.promise
      return new Response('body', { headers: { etag: '"v1"' } })
    },
    { cache },
  )
  const url = 'http://app.test/page'
  const conditional = await handler(new Request(url, { headers: { 'if-none-match': '"v1"' } }))
  expect(conditional.status).toBe(304)
  expect(calls).toBe(1)

  gated = true
  const concurrent = Array.from({ length: 10 }, () => handler(new Request(url)))
  await flushPromises()
  release.resolve()
  const responses = await Promise.all(concurrent)
  for (const response of responses) expect(await response.text()).toBe('body')
  expect(calls).toBe(2)
})
