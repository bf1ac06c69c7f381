// Shared setup of the memoize tests: a cache on a fake clock that collects the errors it absorbs,
// and an origin whose calls the test settles one by one.
import { createCache, type Cache, type CacheError, type CacheOptions } from '../../src/index.js'
import { fakeClock, type FakeClock } from '../helpers/clock.js'
import { deferred, type Deferred } from '../helpers/deferred.js'

export interface Setup {
  readonly clock: FakeClock
  readonly cache: Cache
  readonly errors: CacheError[]
}

export function setup(options: CacheOptions = {}): Setup {
  const clock = fakeClock()
  const errors: CacheError[] = []
  const cache = createCache({ now: clock, onError: (error) => errors.push(error), ...options })
  return { clock, cache, errors }
}

/** An origin whose every call waits for the test to resolve or reject it. */
export interface ControlledOrigin<Args extends unknown[], R> {
  readonly fn: (...args: Args) => Promise<R>
  readonly calls: { readonly args: Args; readonly result: Deferred<R> }[]
}

export function controlledOrigin<Args extends unknown[], R>(): ControlledOrigin<Args, R> {
  const calls: { args: Args; result: Deferred<R> }[] = []
  async function origin(...args: Args): Promise<R> {
    const result = deferred<R>()
    calls.push({ args, result })
    return result.promise
  }
  return { fn: origin, calls }
}
