// Hono's stale-while-revalidate refresh re-runs the route for the client's request: without its
// conditional headers, so a handler that honours If-None-Match cannot answer the refresh 304.
import { expect, it } from 'vitest'
import { flushPromises } from '../helpers/deferred.js'
import { honoFixture } from '../helpers/hono-app.js'

it('a stale-while-revalidate refresh on Hono asks for the whole response, not the client conditional one', async () => {
  const { get, clock, calls } = honoFixture(
    (c, call) => {
      // What hono/etag (or any handler with validators) does: a matching If-None-Match gets a 304.
      if (c.req.header('if-none-match') === '"v"') return c.body(null, 304)
      c.header('etag', '"v"')
      return c.text(`version ${call}`)
    },
    { ttl: '10s', staleWhileRevalidate: '1m' },
  )
  expect(await (await get('/')).text()).toBe('version 1')
  clock.advance(11_000)
  // A browser revalidating its copy: served from the stale entry (304), refresh in the background.
  const revalidated = await get('/', { headers: { 'if-none-match': '"v"' } })
  expect(revalidated.status).toBe(304)
  await flushPromises()
  expect(calls()).toBe(2)
  // The refresh must have stored version 2.
  const next = await get('/')
  expect(next.headers.get('cache-status')).toMatch(/^cachefront; hit/)
  expect(await next.text()).toBe('version 2')
})
