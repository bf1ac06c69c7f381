// A store that stops answering costs a request about one soft timeout, not one per store call:
// within one soft timeout of a call that timed out (most likely the request's own read), a fill
// asks the store nothing more before its origin runs. Each request's timeout still counts toward
// the circuit breaker, and writes and lock releases are never skipped.
import { afterEach, expect, it, vi } from 'vitest'
import { cacheResponse } from '../../src/adapters/fetch.js'
import { createCache, memoryStore, type Store } from '../../src/index.js'

afterEach(() => {
  vi.useRealTimers()
})

/** A memory store whose every call, once `silent`, never settles; records the calls it gets. */
function silencingStore(): Store & { silent: boolean; calls: string[] } {
  const inner = memoryStore()
  const never = new Promise<never>(() => undefined)
  const store = { ...inner, name: 'silencing', silent: false, calls: [] as string[] }
  for (const name of ['get', 'set', 'tagVersions'] as const) {
    const original = inner[name] as (...args: unknown[]) => unknown
    ;(store as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      if (!store.silent) return original.apply(inner, args)
      store.calls.push(name)
      return never
    }
  }
  return store as Store & { silent: boolean; calls: string[] }
}

async function settledWithin(ms: number, answer: Response | Promise<Response>): Promise<string> {
  let text: string | undefined
  void Promise.resolve(answer)
    .then((response) => response.text())
    .then((body) => (text = body))
  await vi.advanceTimersByTimeAsync(ms)
  if (text === undefined) throw new Error(`no answer within ${ms} ms`)
  return text
}

it('answers a cold request after one soft timeout, asking the store nothing more after it', async () => {
  vi.useFakeTimers()
  const store = silencingStore()
  const cache = createCache({ store, storeTimeout: 50, circuitBreakerThreshold: 100 })
  let runs = 0
  const handler = cacheResponse(() => new Response(`run ${++runs}`), { cache, tags: ['t'] })
  store.silent = true
  expect(await settledWithin(50, handler(new Request('http://app.test/cold')))).toBe('run 1')
  expect(store.calls).toEqual(['get'])
})

it('counts each request’s timeout, so the breaker opens after as many requests as its threshold', async () => {
  vi.useFakeTimers()
  const store = silencingStore()
  const cache = createCache({ store, storeTimeout: 50, circuitBreakerThreshold: 3, circuitBreakerCooldown: '5s' })
  const handler = cacheResponse(() => new Response('origin'), { cache, tags: ['t'] })
  store.silent = true
  for (const path of ['/a', '/b', '/c']) await settledWithin(50, handler(new Request(`http://app.test${path}`)))
  expect(store.calls).toEqual(['get', 'get', 'get'])
  // Open: answered at once, without the store.
  expect(await settledWithin(0, handler(new Request('http://app.test/d')))).toBe('origin')
  expect(store.calls).toHaveLength(3)
})

it('asks the store again once the soft timeout after the last timeout is over', async () => {
  vi.useFakeTimers()
  const store = silencingStore()
  const cache = createCache({ store, storeTimeout: 50, circuitBreakerThreshold: 100 })
  const handler = cacheResponse(() => new Response('origin'), { cache, tags: ['t'] })
  store.silent = true
  await settledWithin(50, handler(new Request('http://app.test/a')))
  store.silent = false
  await vi.advanceTimersByTimeAsync(60)
  await settledWithin(0, handler(new Request('http://app.test/b')))
  expect(await settledWithin(0, handler(new Request('http://app.test/b')))).toBe('origin')
  expect(cache.stats().hits).toBe(1)
})
