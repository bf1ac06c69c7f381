// Routes and memoized functions given no `cache` share the process-wide default cache; it must
// be reachable to invalidate, clear and read stats from, or its entries could only expire.
import { Hono } from 'hono'
import { afterEach, expect, it } from 'vitest'
import { cacheResponse } from '../../src/adapters/hono.js'
import { defaultCache, memoize } from '../../src/index.js'

afterEach(async () => {
  await defaultCache().clear()
})

it('invalidates and clears what routes and memoized functions stored in the default cache', async () => {
  let runs = 0
  const app = new Hono()
  app.get('/home', cacheResponse({ tags: ['home'] }), (c) => c.text(`home ${++runs}`))
  let loads = 0
  const load = memoize(async (lang: string) => `${lang} ${++loads}`, { tags: ['home'] })

  expect(await (await app.request('/home')).text()).toBe('home 1')
  expect(await (await app.request('/home')).text()).toBe('home 1')
  expect(await load('en')).toBe('en 1')
  expect(await load('en')).toBe('en 1')
  expect(defaultCache().stats().hits).toBeGreaterThanOrEqual(2)

  await defaultCache().invalidate({ tags: ['home'] })
  expect(await (await app.request('/home')).text()).toBe('home 2')
  expect(await load('en')).toBe('en 2')

  await defaultCache().clear()
  expect(await (await app.request('/home')).text()).toBe('home 3')
})

it('rejects a misspelt invalidate field rather than invalidating nothing', async () => {
  await expect(defaultCache().invalidate({ path: ['/home'] } as never)).rejects.toThrow(
    /expected invalidate options to be one of tags, paths, keys/,
  )
})
