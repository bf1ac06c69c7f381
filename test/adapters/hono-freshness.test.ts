import { HTTPException } from 'hono/http-exception'
import { describe, expect, it } from 'vitest'
import { deferred, flushPromises } from '../helpers/deferred.js'
import { honoFixture } from '../helpers/hono-app.js'

describe('hono adapter: stale-while-revalidate and stale-if-error', () => {
  it('serves stale at once and runs the handler once in the background to refresh', async () => {
    let gate: Promise<void> | undefined
    const { get, clock, calls } = honoFixture(
      async (c, call) => {
        if (gate) await gate
        c.header('x-call', String(call))
        return c.text(`version ${call}`)
      },
      { ttl: '10s', staleWhileRevalidate: '1m' },
    )
    await get('/')
    clock.advance(11_000)
    const refresh = deferred()
    gate = refresh.promise
    const stale = await Promise.all([get('/'), get('/')])
    for (const response of stale) {
      expect(await response.text()).toBe('version 1')
      expect(response.headers.get('cache-status')).toMatch(/detail=stale-while-revalidate/)
    }
    await flushPromises()
    expect(calls()).toBe(2)
    refresh.resolve()
    gate = undefined
    await flushPromises()
    const fresh = await get('/')
    expect(await fresh.text()).toBe('version 2')
    expect(fresh.headers.get('x-call')).toBe('2')
    expect(fresh.headers.get('cache-status')).toBe('cachefront; hit; ttl=10')
    expect(fresh.headers.get('age')).toBe('0')
    expect(calls()).toBe(2)
  })

  it('serves the stale entry when the handler throws', async () => {
    let fail = false
    const { get, clock } = honoFixture(
      (c, call) => {
        if (fail) throw new Error('database down')
        return c.text(`version ${call}`)
      },
      { ttl: '10s', staleIfError: '1h' },
    )
    await get('/')
    clock.advance(30_000)
    fail = true
    const response = await get('/')
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('version 1')
    expect(response.headers.get('cache-status')).toBe('cachefront; fwd=stale; fwd-status=500; detail=stale-if-error')
  })

  it('serves the stale entry when the handler answers 503', async () => {
    let fail = false
    const { get, clock } = honoFixture(
      (c, call) => {
        if (fail) throw new HTTPException(503, { message: 'maintenance' })
        return c.text(`version ${call}`)
      },
      { ttl: '10s', staleIfError: '1h' },
    )
    await get('/')
    clock.advance(30_000)
    fail = true
    expect(await (await get('/')).text()).toBe('version 1')
  })
})
