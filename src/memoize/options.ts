// The options of memoize, declared once with their defaults, and resolved when the function is
// memoized so that a call does no option work.
import { createHash } from 'node:crypto'
import { jsonCodec, type Codec } from '../codec.js'
import type { Cache } from '../engine/cache.js'
import { defaultCache } from '../engine/default-cache.js'
import { parseDuration, type Duration } from '../engine/duration.js'
import { parseTtl } from '../engine/options.js'
import { badOption, rejectUnknownOptions } from '../errors.js'

/** Options of `memoize(fn, options)`. */
export interface MemoizeOptions<Args extends unknown[] = unknown[], R = unknown> {
  /**
   * The cache to use.
   * @default a process-wide cache on the memory store
   */
  cache?: Cache
  /**
   * The namespace of this function's entries: its keys are `memo:<name>:<arguments key>`. It must
   * be unique among the memoized functions sharing a store, in every process that shares it, and
   * stable across deploys; it may not contain `:`. Give one explicitly when the store is shared:
   * a minifier renames functions, and a derived name changes when the source does.
   * @default fn.name, or `anonymous.<digest of the source>` for an anonymous function; a second,
   * different function deriving a name already used on the cache gets `<name>#2`, and so on
   */
  name?: string
  /**
   * How long a value is fresh.
   * @default the cache's `ttl` ('1m' unless set)
   */
  ttl?: Duration
  /**
   * How long past `ttl` a stale value is returned while one background call refreshes it.
   * @default the cache's `staleWhileRevalidate` (0 unless set)
   */
  staleWhileRevalidate?: Duration
  /**
   * How long past `ttl` a stale value is returned in place of an error thrown by the function.
   * @default the cache's `staleIfError` (0 unless set)
   */
  staleIfError?: Duration
  /**
   * Tags to invalidate the values by: a list, or a function of the arguments.
   * @default []
   */
  tags?: readonly string[] | ((...args: Args) => readonly string[])
  /**
   * Replaces the default arguments key. Calls whose keys are equal share a value, so include
   * everything the result depends on. The store key is still prefixed with `memo:<name>:`.
   * @default a canonical serialization of the arguments (object keys sorted, types kept apart)
   */
  key?: (...args: Args) => string
  /**
   * How values become bytes in the store and back: a codec of this function's values, or a
   * generic one (`Codec`, whose `decode` is trusted to give back what `encode` was given).
   * @default jsonCodec (strict JSON as UTF-8: plain data only)
   */
  codec?: Codec<NoInfer<R>> | Codec
}

// The defaults that are not the cache's own (`ttl`, the stale windows) nor derived (`name`, `key`).
export const MEMOIZE_DEFAULTS = {
  tags: [] as readonly string[],
} as const

/** Options after validation; durations in milliseconds. */
export interface MemoizePlan<Args extends unknown[], R> {
  readonly cache: Cache
  readonly name: string
  /** `memo:<name>:`, the prefix of every store key of this function. */
  readonly prefix: string
  readonly ttl: number
  readonly staleWhileRevalidate: number
  readonly staleIfError: number
  readonly tags: readonly string[] | ((...args: Args) => readonly string[])
  readonly key: ((...args: Args) => string) | undefined
  readonly codec: Codec<R>
  readonly codecName: string
}

const KNOWN = new Set<string>(['cache', 'name', 'ttl', 'staleWhileRevalidate', 'staleIfError', 'tags', 'key', 'codec'])

// Names taken on each cache, with the function holding each: two different functions named
// `load` in two modules would otherwise read each other's values for equal arguments.
const namesInUse = new WeakMap<Cache, Map<string, unknown>>()

export function resolveMemoizeOptions<Args extends unknown[], R>(
  fn: unknown,
  options: MemoizeOptions<Args, R>,
): MemoizePlan<Args, R> {
  if (typeof fn !== 'function') throw badOption('memoize fn', 'a function returning a promise', fn)
  if (typeof options !== 'object' || options === null) throw badOption('memoize options', 'an object', options)
  rejectUnknownOptions(options, KNOWN, 'memoize')
  const cache = options.cache ?? defaultCache()
  if (typeof cache !== 'object' || cache === null || typeof cache.beginFill !== 'function') {
    throw badOption('memoize cache', 'a cache from createCache()', options.cache)
  }
  const tags = options.tags ?? MEMOIZE_DEFAULTS.tags
  if (typeof tags !== 'function' && !(Array.isArray(tags) && tags.every((tag) => typeof tag === 'string'))) {
    throw badOption('memoize tags', 'an array of strings or a function of the arguments', tags)
  }
  if (options.key !== undefined && typeof options.key !== 'function') {
    throw badOption('memoize key', 'a function of the arguments returning a string', options.key)
  }
  const codec = (options.codec ?? jsonCodec) as Codec<R>
  if (
    typeof codec !== 'object' ||
    codec === null ||
    typeof codec.encode !== 'function' ||
    typeof codec.decode !== 'function'
  ) {
    throw badOption('memoize codec', 'a codec (an object with encode and decode functions)', codec)
  }
  if (codec.name !== undefined && (typeof codec.name !== 'string' || codec.name === '')) {
    throw badOption('memoize codec name', 'a non-empty string', codec.name)
  }
  const ttl = options.ttl === undefined ? cache.defaults.ttl : parseTtl(options.ttl, 'memoize ttl')
  const staleWhileRevalidate =
    options.staleWhileRevalidate === undefined
      ? cache.defaults.staleWhileRevalidate
      : parseDuration(options.staleWhileRevalidate, 'memoize staleWhileRevalidate')
  const staleIfError =
    options.staleIfError === undefined
      ? cache.defaults.staleIfError
      : parseDuration(options.staleIfError, 'memoize staleIfError')
  // Last, so that a function whose other options are bad does not keep its name taken.
  const name = resolveName(fn, options.name, cache)
  return {
    cache,
    name,
    prefix: `memo:${name}:`,
    ttl,
    staleWhileRevalidate,
    staleIfError,
    tags,
    key: options.key,
    codec,
    codecName: codec.name ?? 'custom',
  }
}

function resolveName(fn: { name: string }, explicit: unknown, cache: Cache): string {
  if (explicit !== undefined) {
    if (typeof explicit !== 'string' || explicit === '' || explicit.includes(':')) {
      throw badOption('memoize name', 'a non-empty string without ":"', explicit)
    }
    // An explicit name is the caller's statement of identity, and what survives a hot reload
    // (which memoizes a new function under the same name): it is trusted.
    claim(cache, explicit, fn)
    return explicit
  }
  // A name derived from the function is a guess: two modules may each memoize a function called
  // `load`, or an anonymous arrow. Each different function gets its own name (`load`, `load#2`…),
  // in creation order, which is the same in every process running the same code.
  const base = derivedName(fn)
  for (let n = 1; ; n++) {
    const name = n === 1 ? base : `${base}#${n}`
    if (claim(cache, name, fn) === fn) return name
  }
}

// fn.name when it has one; otherwise a digest of the source, stable across processes and deploys
// of the same code (identical sources are told apart by the `#n` suffix).
function derivedName(fn: { name: string; toString(): string }): string {
  const name = fn.name.replaceAll(':', '.')
  if (name !== '') return name
  return `anonymous.${createHash('sha1').update(fn.toString()).digest('hex').slice(0, 10)}`
}

/** Registers `fn` under `name` unless the name is taken; returns the function holding it. */
function claim(cache: Cache, name: string, fn: unknown): unknown {
  let names = namesInUse.get(cache)
  if (names === undefined) namesInUse.set(cache, (names = new Map()))
  const holder = names.get(name)
  if (holder !== undefined) return holder
  names.set(name, fn)
  return fn
}
