// The cachefront caches a bench server can use, from the build (dist/, as users run it; `npm run
// bench` builds first). Stores and adapters that are not in the build (not landed yet, or a failed
// build) are loaded lazily so that their absence is a clear skip.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Cache, CacheOptions, Store } from '../../src/index.js'
import { REDIS_URL, type Framework, type ServerConfig, type Variant } from './config.js'

// BENCH_DIST points at another build (say, of an older commit) to compare before and after.
const DIST = process.env.BENCH_DIST
  ? new URL(`file://${process.env.BENCH_DIST.replace(/\/?$/, '/')}`)
  : new URL('../../dist/', import.meta.url)

/** The URL of a module of the build (`index.js`, `adapters/hono.js`, `stores/redis.js`). */
export function distModule(path: string): string {
  return new URL(path, DIST).href
}

/** Whether a module of the build exists. */
export function hasBuilt(path: string): boolean {
  return existsSync(fileURLToPath(new URL(path, DIST)))
}

/** Why a variant cannot run in this checkout, or undefined when it can. */
export function missingFor(framework: Framework, variant: Variant): string | undefined {
  if (!['memory', 'memory-app', 'tiered', 'redis'].includes(variant)) return undefined
  if (!hasBuilt('index.js')) return 'dist/index.js is missing: run npm run build'
  if (!hasBuilt(`adapters/${framework}.js`))
    return `dist/adapters/${framework}.js is not built (has the adapter landed?)`
  if (variant === 'memory-app' && !hasBuilt('adapters/fetch.js')) return 'dist/adapters/fetch.js is not built'
  if (!variant.startsWith('memory') && !hasBuilt('stores/redis.js'))
    return 'dist/stores/redis.js is not built (has cachefront/redis landed?)'
  return undefined
}

interface RootModule {
  createCache(options: CacheOptions): Cache
  memoryStore(options: { maxBytes: string }): Store
}
interface RedisModule {
  redisStore(options: { client: unknown; prefix?: string }): Store
  tieredStore(options: { l1: Store; l2: Store }): Store
}

async function redisClient(): Promise<unknown> {
  const { Redis } = await import('ioredis')
  return new Redis(REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 1 })
}

/** A cachefront cache for `config`'s variant: memory, tiered (memory + Redis) or Redis only. */
export async function benchCache(config: ServerConfig): Promise<Cache> {
  const options = {
    ttl: config.ttlMs ?? 3_600_000,
    staleWhileRevalidate: config.swrMs ?? 0,
    // A loaded box must not turn slow Redis answers into misses mid-measurement.
    storeTimeout: 1_000,
  }
  const { createCache, memoryStore } = (await import(distModule('index.js'))) as RootModule
  if (config.variant === 'memory' || config.variant === 'memory-app')
    return createCache({ ...options, store: memoryStore({ maxBytes: '64mb' }) })
  const prefix = config.redisPrefix ?? `cfbench:${process.pid}:`
  const { redisStore, tieredStore } = (await import(distModule('stores/redis.js'))) as RedisModule
  const l2 = redisStore({ client: await redisClient(), prefix })
  if (config.variant === 'redis') return createCache({ ...options, store: l2 })
  return createCache({ ...options, store: tieredStore({ l1: memoryStore({ maxBytes: '64mb' }), l2 }) })
}
