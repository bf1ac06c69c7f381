// memoize: caches an async function's results on the engine, beside the http layer, with a value
// codec where http stores responses: same single-flight, stale-while-revalidate, tags and stores.
import { WAIT_TIMED_OUT, type Fill, type FillPlan } from './engine/cache.js'
import { EntryState, entryState, usableOnError } from './engine/freshness.js'
import type { Flight } from './engine/single-flight.js'
import { CacheError } from './errors.js'
import { argsKey } from './memoize/args-key.js'
import { resolveMemoizeOptions, type MemoizeOptions } from './memoize/options.js'
import type { CacheEntry, EntryMeta } from './stores/store.js'

export { MEMOIZE_DEFAULTS, type MemoizeOptions } from './memoize/options.js'

/** A memoized function: call it like the original; equal arguments share one cached value. */
export interface Memoized<Args extends unknown[], R> {
  (...args: Args): Promise<R>
  /**
   * The exact store key of a call with these arguments, `memo:<name>:<arguments key>`: pass it
   * to `cache.invalidate({ keys })`. Throws a TypeError for arguments that cannot be keyed.
   */
  keyFor(...args: Args): string
}

/** Why a fill handed its waiters no entry: the function's error, or a value the codec refused. */
type Outcome<R> = { readonly failed: true; readonly error: unknown } | { readonly failed: false; readonly value: R }

const UNDECODABLE: unique symbol = Symbol('cachefront.undecodable')

/**
 * Caches the results of `fn` per arguments, on the engine that caches responses.
 *
 * @example
 * const homeData = memoize(async (lang: string) => loadFromDb(lang), { name: 'homeData', ttl: '5m', tags: ['home'] })
 * await homeData('en')
 * await cache.invalidate({ keys: [homeData.keyFor('en')] })
 */
export function memoize<Args extends unknown[], R>(
  fn: (...args: Args) => Promise<R>,
  options: MemoizeOptions<Args, R> = {},
): Memoized<Args, R> {
  const plan = resolveMemoizeOptions(fn, options)
  const { cache, codec, codecName, name } = plan
  const meta: EntryMeta = { memo: name, codec: codecName }
  const fixedPlan = typeof plan.tags === 'function' ? undefined : fillPlan(plan.tags)
  // Waiters of a fill that failed get its error instead of each running `fn` again, which the
  // engine's `abandon()` (made for responses private to one request) would have them do.
  const outcomes = new WeakMap<Flight, Outcome<R>>()

  function fillPlan(tags: readonly string[]): FillPlan {
    return { ttl: plan.ttl, staleWhileRevalidate: plan.staleWhileRevalidate, staleIfError: plan.staleIfError, tags }
  }

  function planFor(args: Args): FillPlan {
    if (fixedPlan !== undefined) return fixedPlan
    const tags = (plan.tags as (...args: Args) => readonly string[])(...args)
    if (!Array.isArray(tags) || !tags.every((tag) => typeof tag === 'string')) {
      throw new TypeError(`cachefront: the tags function of memoized ${name} must return an array of strings`)
    }
    return fillPlan(tags)
  }

  function keyFor(...args: Args): string {
    if (plan.key === undefined) return plan.prefix + argsKey(args)
    const key = plan.key(...args)
    if (typeof key !== 'string') {
      throw new TypeError(`cachefront: the key function of memoized ${name} must return a string`)
    }
    return plan.prefix + key
  }

  function decode(entry: CacheEntry): R | typeof UNDECODABLE {
    try {
      // Bytes from another codec (a changed `codec`, or a foreign entry under this key) are not ours.
      if (entry.meta.codec !== codecName) throw new TypeError(`stored by codec ${String(entry.meta.codec)}`)
      return codec.decode(entry.body)
    } catch (error) {
      cache.reportError(
        new CacheError('E_CODEC', `cachefront: memoized ${name} could not decode a stored value; a miss`, {
          cause: error,
        }),
      )
      return UNDECODABLE
    }
  }

  // Tags are computed only when a fill needs them: a hit does no work beyond the key.
  function planOrReport(args: Args): FillPlan | undefined {
    try {
      return planFor(args)
    } catch (error) {
      cache.reportError(
        new CacheError('E_BAD_OPTION', `cachefront: the tags function of memoized ${name} failed`, { cause: error }),
      )
      return undefined
    }
  }

  async function memoized(...args: Args): Promise<R> {
    let key: string
    try {
      key = keyFor(...args)
    } catch (error) {
      // Like a route whose key function fails: report it and answer uncached, never fail the call.
      cache.reportError(
        new CacheError('E_BAD_OPTION', `cachefront: memoized ${name} could not key a call; ran uncached`, {
          cause: error,
        }),
      )
      return fn(...args)
    }
    const now = cache.now()
    const found = cache.read(key, now)
    const entry = found instanceof Promise ? await found : found
    let stale: CacheEntry | undefined
    if (entry !== undefined) {
      const state = entryState(entry, now)
      if (state === EntryState.Expired) stale = entry
      else {
        const value = decode(entry)
        if (value !== UNDECODABLE) {
          if (state === EntryState.Fresh) {
            cache.record('hit')
            return value
          }
          cache.record('stale')
          if (cache.inflight(key) === undefined) refreshInBackground(key, args)
          return value
        }
      }
    }
    return fillOrWait(key, args, stale)
  }

  async function fillOrWait(key: string, args: Args, stale: CacheEntry | undefined): Promise<R> {
    let shared = true
    const running = cache.inflight(key)
    if (running !== undefined) {
      cache.record('coalesced')
      const result = await cache.wait(running)
      if (result !== WAIT_TIMED_OUT && result !== undefined) {
        const value = decode(result)
        if (value !== UNDECODABLE) return value
      } else if (result === undefined) {
        const outcome = outcomes.get(running)
        if (outcome?.failed === false) return outcome.value
        if (outcome?.failed === true) return staleOr(stale, outcome.error)
      }
      // The fill hangs, or left nothing usable: run `fn` without making later callers wait on us.
      shared = false
    }
    cache.record('miss')
    const fill = planOrReport(args)
    if (fill === undefined) return fn(...args)
    const leader = cache.beginFill(key, fill, shared)
    const flight = shared ? cache.inflight(key) : undefined
    const ready = leader.ready instanceof Promise ? await leader.ready : leader.ready
    if (ready !== undefined) {
      // Another process filled the key while we waited for its fill lock.
      const value = decode(ready)
      return value !== UNDECODABLE ? value : fn(...args)
    }
    return lead(leader, flight, args, stale)
  }

  /** Runs `fn` for a fill this call leads, and commits or abandons the fill. */
  async function lead(leader: Fill, flight: Flight | undefined, args: Args, stale: CacheEntry | undefined): Promise<R> {
    let value: R
    try {
      value = await fn(...args)
    } catch (error) {
      if (flight !== undefined) outcomes.set(flight, { failed: true, error })
      leader.abandon()
      return staleOr(stale, error)
    }
    let body: Uint8Array
    try {
      body = codec.encode(value)
      if (!(body instanceof Uint8Array)) throw new TypeError('codec.encode must return a Uint8Array')
    } catch (error) {
      cache.reportError(
        new CacheError('E_CODEC', `cachefront: memoized ${name} returned a value its codec cannot encode; not cached`, {
          cause: error,
        }),
      )
      if (flight !== undefined) outcomes.set(flight, { failed: false, value })
      leader.abandon()
      return value
    }
    leader.commit(meta, body)
    return value
  }

  /** Stale-if-error: the stale value while its window allows, else the function's error. */
  function staleOr(stale: CacheEntry | undefined, error: unknown): R {
    if (stale !== undefined && usableOnError(stale, cache.now())) {
      const value = decode(stale)
      if (value !== UNDECODABLE) {
        cache.record('stale')
        return value
      }
    }
    throw error
  }

  function refreshInBackground(key: string, args: Args): void {
    const fill = planOrReport(args)
    if (fill === undefined) return
    const leader = cache.beginFill(key, fill, true)
    const flight = cache.inflight(key)
    const run = async (): Promise<void> => {
      const ready = leader.ready instanceof Promise ? await leader.ready : leader.ready
      if (ready === undefined) await lead(leader, flight, args, undefined)
    }
    // A refresh that fails keeps the stale value; the error is reported, not thrown at anyone.
    run().catch((error: unknown) => {
      leader.abandon()
      cache.reportError(
        new CacheError('E_REFRESH_FAILED', `cachefront: memoized ${name} failed to refresh in the background`, {
          cause: error,
        }),
      )
    })
  }

  return Object.assign(memoized, { keyFor })
}
