// The cachefront caches a bench server can use. Stores and adapters that are not in this checkout
// yet (Redis, tiered, Fastify, Express) are loaded lazily so that their absence is a clear skip.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createCache, memoryStore, type Cache, type Store } from '../../src/index.js'
import { REDIS_URL, type Framework, type ServerConfig, type Variant } from './config.js'

const SRC = new URL('../../src/', import.meta.url)

/** Whether a module of src/ exists in this checkout (`stores/redis.ts`, `adapters/fastify.ts`). */
export function hasSource(path: string): boolean {
  return existsSync(fileURLToPath(new URL(path, SRC)))
}

/** Why a variant cannot run in this checkout, or undefined when it can. */
export function missingFor(framework: Framework, variant: Variant): string | undefined {
  if (framework !== 'hono' && ['memory', 'tiered', 'redis'].includes(variant) && !hasSource(`adapters/${framework}.ts`))
    return `src/adapters/${framework}.ts has not landed`
  if (variant === 'redis' && !hasSource('stores/redis.ts')) return 'src/stores/redis.ts has not landed'
  if (variant === 'tiered' && !hasSource('stores/tiered.ts')) return 'src/stores/tiered.ts has not landed'
  return undefined
}

interface RedisModule {
  redisStore(options: { client: unknown; prefix?: string }): Store
}
interface TieredModule {
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
  if (config.variant === 'memory') return createCache({ ...options, store: memoryStore({ maxBytes: '64mb' }) })
  const prefix = config.redisPrefix ?? `cfbench:${process.pid}:`
  const redisPath = '../../src/stores/redis.js'
  const { redisStore } = (await import(redisPath)) as RedisModule
  const l2 = redisStore({ client: await redisClient(), prefix })
  if (config.variant === 'redis') return createCache({ ...options, store: l2 })
  const tieredPath = '../../src/stores/tiered.js'
  const { tieredStore } = (await import(tieredPath)) as TieredModule
  return createCache({ ...options, store: tieredStore({ l1: memoryStore({ maxBytes: '64mb' }), l2 }) })
}
