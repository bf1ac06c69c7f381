// A store that answers every call only after the soft timeout must trip the circuit breaker: a
// late answer is not a success that resets the failure count.
import { afterEach, expect, it, vi } from 'vitest'
import { createCache, memoryStore, type Store } from '../../src/index.js'
import { fakeClock } from '../helpers/clock.js'
import { deferred, type Deferred } from '../helpers/deferred.js'

afterEach(() => {
  vi.useRealTimers()
})

it('opens the circuit for a store that answers every call only after the soft timeout', async () => {
  vi.useFakeTimers()
  const clock = fakeClock()
  const late: Deferred<undefined>[] = []
  const store: Store & { calls: number } = {
    ...memoryStore(),
    name: 'slow',
    calls: 0,
    get() {
      store.calls++
      const answer = deferred<undefined>()
      late.push(answer)
      return answer.promise
    },
  }
  const cache = createCache({
    store,
    now: clock,
    storeTimeout: 50,
    circuitBreakerThreshold: 3,
    circuitBreakerCooldown: '5s',
  })
  for (let i = 0; i < 10; i++) {
    const read = cache.read(`k${i}`, clock())
    await vi.advanceTimersByTimeAsync(50) // the soft timeout fires: a miss, a failure
    expect(await read).toBeUndefined()
    for (const answer of late.splice(0)) answer.resolve(undefined) // the store answers, late
    await vi.advanceTimersByTimeAsync(0)
  }
  // Three timeouts in a row should have opened the circuit: the store is skipped for the cooldown.
  expect(store.calls).toBe(3)
})
