// Stale-if-error under concurrency: when the leader's origin call fails, its waiters serve their
// stale entry instead of each calling the failing origin again.
import { expect, it } from 'vitest'
import { createCache, memoryStore } from '../../src/index.js'
import { cacheResponse } from '../../src/adapters/fetch.js'
import { fakeClock } from '../helpers/clock.js'
import { deferred, flushPromises } from '../helpers/deferred.js'

it('waiters behind a failed fill serve the stale entry instead of each calling the failing origin', async () => {
  const now = fakeClock()
  const cache = createCache({ store: memoryStore(), now })
  let calls = 0
  const outage = deferred()
  let failing = false
  const handler = cacheResponse(
    async () => {
      calls++
      if (failing) {
        await outage.promise
        throw new Error('database down')
      }
      return new Response('version 1')
    },
    { cache, ttl: '10s', staleIfError: '1h' },
  )
  const url = 'http://app.test/'
  expect(await (await handler(new Request(url))).text()).toBe('version 1')
  now.advance(60_000) // expired, inside the stale-if-error window

  failing = true
  const concurrent = Array.from({ length: 10 }, () => handler(new Request(url)))
  await flushPromises()
  outage.resolve()
  for (const response of await Promise.all(concurrent)) {
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('version 1')
  }
  expect(calls).toBe(2) // one failed origin call for the ten
})
