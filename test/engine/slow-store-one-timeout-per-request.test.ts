// A store that stops answering costs a request about one soft timeout, not one per store call:
// after a call times out, the store is left alone for one more soft timeout, so the rest of that
// request's calls (tag versions, the fill lock, the re-read) answer their fallback at once.
import { afterEach, expect, it, vi } from 'vitest'
import { cacheResponse } from '../../src/adapters/fetch.js'
import { createCache, memoryStore, type Store } from '../../src/index.js'

afterEach(() => {
  vi.useRealTimers()
})

/** A memory store whose every call, once `silent`, never settles; counts the calls it gets. */
function silencingStore(): Store & { silent: boolean; calls: string[] } {
  const inner = memoryStore()
  const never = new Promise<never>(() => undefined)
  const store = {
    ...inner,
    name: 'silencing',
    silent: false,
    calls: [] as string[],
  }
  for (const name of ['get', 'set', 'tagVersions', 'acquireFillLock'] as const) {
    const original = (inner as unknown as Record<string, (...args: unknown[]) => unknown>)[name]
    if (original === undefined) continue
    ;(store as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      if (!store.silent) return original.apply(inner, args)
      store.calls.push(name)
      return never
    }
  }
  return store as Store & { silent: boolean; calls: string[] }
}

it('asks a silent store once per cold request, and answers after one soft timeout', async () => {
  vi.useFakeTimers()
  const store = silencingStore()
  const cache = createCache({ store, storeTimeout: 50, circuitBreakerThreshold: 100 })
  let runs = 0
  const handler = cacheResponse(() => new Response(`run ${++runs}`, { headers: { 'x-tagged': '1' } }), {
    cache,
    tags: ['t'],
  })
  store.silent = true
  let answered = false
  const pending = Promise.resolve(handler(new Request('http://app.test/cold'))).then((response) => {
    answered = true
    return response.text()
  })
  await vi.advanceTimersByTimeAsync(50)
  expect(answered).toBe(true)
  expect(await pending).toBe('run 1')
  expect(store.calls).toEqual(['get'])
  // Once the quiet soft timeout is over, the store is asked again.
  await vi.advanceTimersByTimeAsync(50)
  const next = handler(new Request('http://app.test/other'))
  await vi.advanceTimersByTimeAsync(50)
  expect(await (await next).text()).toBe('run 2')
  expect(store.calls).toEqual(['get', 'get'])
})

it('counts the calls it skipped as failures, so the breaker opens as soon as it would have', async () => {
  vi.useFakeTimers()
  const store = silencingStore()
  const cache = createCache({ store, storeTimeout: 50, circuitBreakerThreshold: 2, circuitBreakerCooldown: '5s' })
  const handler = cacheResponse(() => new Response('origin'), { cache, tags: ['t'] })
  store.silent = true
  const first = handler(new Request('http://app.test/a'))
  await vi.advanceTimersByTimeAsync(50)
  await first
  // The read timed out and the tag versions were skipped: two failures, as two timeouts were
  // before the quiet window, and the circuit is open.
  await vi.advanceTimersByTimeAsync(100)
  let answered = false
  const second = Promise.resolve(handler(new Request('http://app.test/b'))).then(() => (answered = true))
  await vi.advanceTimersByTimeAsync(0)
  expect(answered).toBe(true)
  await second
  expect(store.calls).toEqual(['get'])
})
