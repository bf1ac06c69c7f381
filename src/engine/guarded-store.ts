// Wraps a store so that it can never fail or stall a request: soft timeouts, errors as misses,
// and a circuit breaker that stops calling a broken store for a while, then probes it.
import { CacheError } from '../errors.js'
import type { MaybePromise, Store } from '../stores/store.js'
import type { Clock } from './clock.js'

export interface GuardOptions {
  readonly timeoutMs: number
  /** Consecutive failures that open the circuit. */
  readonly failureThreshold: number
  /** How long an open circuit skips the store before one probe call is let through. */
  readonly cooldownMs: number
  readonly now: Clock
  readonly onError: (error: CacheError) => void
}

export interface StoreGuard {
  /**
   * Runs `operation` against the store; answers `fallback` when the circuit is open, the call
   * throws, rejects, or takes longer than the soft timeout. Synchronous answers stay synchronous.
   */
  call<T>(operation: string, run: (store: Store) => MaybePromise<T>, fallback: T): MaybePromise<T>
  /** `call('get', (s) => s.get(key, now), undefined)` without a closure per read: the hit path. */
  get(key: string, now: number): MaybePromise<unknown>
  readonly circuitOpen: boolean
  /**
   * True within one soft timeout (wall clock) of a call that timed out: a fill then asks the store
   * nothing more before its origin runs (see fill.ts), so that a request pays one soft timeout.
   */
  readonly slow: boolean
}

export function guardStore(store: Store, options: GuardOptions): StoreGuard {
  let failures = 0
  let openUntil = 0
  let probing = false
  let lastTimeoutAt = 0

  function fail(operation: string, error: unknown): void {
    failures++
    if (failures >= options.failureThreshold) openUntil = options.now() + options.cooldownMs
    const wrapped =
      error instanceof CacheError
        ? error
        : new CacheError('E_STORE_ERROR', `cachefront: ${store.name} store ${operation} failed`, { cause: error })
    options.onError(wrapped as CacheError)
  }

  function succeed(): void {
    failures = 0
    openUntil = 0
  }

  function withTimeout<T>(operation: string, promise: Promise<T>, fallback: T): Promise<T> {
    return new Promise<T>((resolve) => {
      let timedOut = false
      const timer = setTimeout(() => {
        timedOut = true
        probing = false
        lastTimeoutAt = performance.now()
        fail(
          operation,
          new CacheError(
            'E_STORE_TIMEOUT',
            `cachefront: ${store.name} store ${operation} took longer than ${options.timeoutMs} ms`,
          ),
        )
        resolve(fallback)
      }, options.timeoutMs)
      // A late answer after the timeout says nothing new: counting it as a success would close the
      // circuit for a store that answers every call too late, so it would never open.
      promise.then(
        (value) => {
          if (timedOut) return
          clearTimeout(timer)
          probing = false
          succeed()
          resolve(value)
        },
        (error: unknown) => {
          if (timedOut) return
          clearTimeout(timer)
          probing = false
          fail(operation, error)
          resolve(fallback)
        },
      )
    })
  }

  return {
    get circuitOpen() {
      return openUntil !== 0 && options.now() < openUntil
    },
    get slow() {
      return lastTimeoutAt !== 0 && performance.now() - lastTimeoutAt < options.timeoutMs
    },
    call(operation, run, fallback) {
      if (openUntil !== 0) {
        // Open: skip the store until the cooldown ends, then let one probe through at a time.
        if (options.now() < openUntil || probing) return fallback
        probing = true
      }
      let result
      try {
        result = run(store)
      } catch (error) {
        probing = false
        fail(operation, error)
        return fallback
      }
      return settle(operation, result, fallback)
    },
    get(key, now) {
      if (openUntil !== 0) {
        if (options.now() < openUntil || probing) return undefined
        probing = true
      }
      let result
      try {
        result = store.get(key, now)
      } catch (error) {
        probing = false
        fail('get', error)
        return undefined
      }
      return settle('get', result, undefined)
    },
  }

  function settle<T>(operation: string, result: unknown, fallback: T): MaybePromise<T> {
    if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
      // withTimeout ends a probe however the call settles (one promise per call, no `finally`).
      return withTimeout(operation, result as Promise<T>, fallback)
    }
    if (probing || failures !== 0) {
      probing = false
      succeed()
    }
    return result as T
  }
}
