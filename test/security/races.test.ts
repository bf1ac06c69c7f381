// Races between fills, refreshes and invalidation: what a fill that started before an
// invalidation, or before a newer fill, produced must never be served as current afterwards.
import { describe, expect, it } from 'vitest'
import { deferred, flushPromises, type Deferred } from '../helpers/deferred.js'
import { ADAPTERS, type OriginHandler } from './fixtures/apps.js'
import { until, useApps } from './fixtures/suite.js'

/** An origin whose n-th call waits for `gates[n]` when the test set one; `answered` counts returns. */
function gatedOrigin(gates: Map<number, Deferred<void>>, answered = { count: 0 }): OriginHandler {
  return async (_request, call) => {
    await gates.get(call)?.promise
    answered.count++
    return { body: `version ${call}` }
  }
}

describe.each(ADAPTERS)('%s: races', (adapter) => {
  const open = useApps()

  it('a fill that overlapped an invalidation answers its caller but is not stored', async () => {
    const gates = new Map([[1, deferred()]])
    const app = await open(adapter, gatedOrigin(gates))
    const filling = app.send('/article')
    await until(() => app.calls() === 1, 'the fill at the origin')
    await app.cache.invalidate({ paths: ['/article'] })
    gates.get(1)!.resolve()
    expect((await filling).body).toBe('version 1')
    expect((await app.send('/article')).body).toBe('version 2')
  })

  it('a request that arrives after an invalidation never gets the older fill’s answer', async () => {
    const gates = new Map([[1, deferred()]])
    const app = await open(adapter, gatedOrigin(gates))
    const filling = app.send('/article')
    await until(() => app.calls() === 1, 'the fill at the origin')
    await app.cache.invalidate({ paths: ['/article'] })
    const after = app.send('/article')
    await until(() => app.calls() === 2 || app.cache.stats().coalescedWaits === 1, 'the later request placed')
    gates.get(1)!.resolve()
    await filling
    expect((await after).body).toBe('version 2')
  })

  it('a request after cache.clear() never gets the older fill’s answer', async () => {
    const gates = new Map([[1, deferred()]])
    const app = await open(adapter, gatedOrigin(gates))
    const filling = app.send('/article')
    await until(() => app.calls() === 1, 'the fill at the origin')
    await app.cache.clear()
    const after = app.send('/article')
    await until(() => app.calls() === 2 || app.cache.stats().coalescedWaits === 1, 'the later request placed')
    gates.get(1)!.resolve()
    await filling
    expect((await after).body).toBe('version 2')
  })

  it('a stale-while-revalidate refresh racing an invalidation never stores the older answer', async () => {
    const gates = new Map([[2, deferred()]])
    const answered = { count: 0 }
    const app = await open(adapter, gatedOrigin(gates, answered), {
      route: { ttl: '10s', staleWhileRevalidate: '1m' },
    })
    await app.send('/feed')
    app.clock.advance(11_000)
    expect((await app.send('/feed')).header('cache-status')).toMatch(/stale-while-revalidate/)
    await until(() => app.calls() === 2, 'the refresh at the origin')
    await app.cache.invalidate({ paths: ['/feed'] })
    expect((await app.send('/feed')).body).toBe('version 3')
    gates.get(2)!.resolve()
    await until(() => answered.count === 3, 'the refresh answered')
    await flushPromises()
    for (let i = 0; i < 3; i++) expect((await app.send('/feed')).body).toBe('version 3')
  })

  it('a stale-while-revalidate refresh that finishes after a newer fill never overwrites it', async () => {
    const gates = new Map([[2, deferred()]])
    const answered = { count: 0 }
    const app = await open(adapter, gatedOrigin(gates, answered), {
      route: { ttl: '10s', staleWhileRevalidate: '1m', honorClientNoCache: true },
    })
    await app.send('/feed')
    app.clock.advance(11_000)
    await app.send('/feed')
    await until(() => app.calls() === 2, 'the refresh at the origin')
    // A newer fill (a client's no-cache) starts and stores after the refresh started.
    expect((await app.send('/feed', { headers: { 'cache-control': 'no-cache' } })).body).toBe('version 3')
    gates.get(2)!.resolve()
    await until(() => answered.count === 3, 'the refresh answered')
    await flushPromises()
    for (let i = 0; i < 3; i++) expect((await app.send('/feed')).body).toBe('version 3')
  })

  it('Age is never negative when the clock steps back', async () => {
    const app = await open(adapter, (_request, call) => ({ body: `v${call}` }))
    await app.send('/clock')
    app.clock.advance(-30_000)
    const hit = await app.send('/clock')
    expect(Number(hit.header('age'))).toBeGreaterThanOrEqual(0)
  })
})
