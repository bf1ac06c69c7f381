// invalidate({ keys }) on a route whose responses carry `Vary` reaches every variant stored under
// the key, not only the marker at the key itself.
import { expect, it } from 'vitest'
import { createCache, memoryStore } from '../../src/index.js'
import { cacheResponse } from '../../src/adapters/fetch.js'
import { fakeClock } from '../helpers/clock.js'

it('invalidating a key reaches every Vary variant stored under it', async () => {
  const now = fakeClock()
  const cache = createCache({ store: memoryStore(), now, ttl: '10m' })
  let version = 1
  let calls = 0
  const handler = cacheResponse(
    async (request) => {
      calls++
      return new Response(`v${version} ${request.headers.get('accept-language')}`, {
        headers: { vary: 'Accept-Language' },
      })
    },
    { cache, key: () => 'article:1' },
  )
  const ask = async (lang: string) =>
    (await handler(new Request('http://app.test/a/1', { headers: { 'accept-language': lang } }))).text()

  expect(await ask('en')).toBe('v1 en')
  expect(await ask('fr')).toBe('v1 fr')
  expect(calls).toBe(2)

  version = 2
  await cache.invalidate({ keys: ['article:1'] })

  expect(await ask('en')).toBe('v2 en') // a miss: the marker is gone
  expect(await ask('fr')).toBe('v2 fr') // a miss too: the old v1 variant is not served
})
