// What a bench server process is asked to run: one framework, one cache variant.

export type Framework = 'fastify' | 'hono' | 'express'
/** `const` is the framework answering a pre-built body: the limit every ratio is taken against. */
export type Variant =
  | 'const'
  | 'const-middleware'
  | 'const-cache-headers'
  | 'memory'
  | 'memory-app'
  | 'tiered'
  | 'redis'
  | 'apicache'
  | 'async-cache-dedupe'
  | 'bentocache'

export interface ServerConfig {
  readonly framework: Framework
  readonly variant: Variant
  /** Fresh lifetime of cached entries, ms. */
  readonly ttlMs?: number
  /** stale-while-revalidate window, ms (cachefront variants only). */
  readonly swrMs?: number
  /** How long the origin handler takes, ms. */
  readonly delayMs?: number
  /** Key prefix in Redis: processes given the same prefix share entries and fill locks. */
  readonly redisPrefix?: string
}

/** Which variants exist for which framework (peers only where a user would pick them). */
export const VARIANTS: Record<Framework, readonly Variant[]> = {
  fastify: ['const', 'memory', 'tiered', 'redis', 'async-cache-dedupe', 'bentocache'],
  // const-middleware: the constant response behind a no-op middleware, Hono's own cost of any
  // middleware (a one-handler route is answered synchronously; two handlers go through compose).
  // const-cache-headers: the same, carrying the four headers a cached answer adds (see server.ts): the
  // ceiling for a cache that is a middleware and sends what HTTP caching asks of it.
  // memory-app: the whole app's fetch wrapped by cachefront/fetch instead of a route middleware.
  hono: ['const', 'const-middleware', 'const-cache-headers', 'memory', 'memory-app', 'tiered', 'redis'],
  express: ['const', 'memory', 'tiered', 'redis', 'apicache'],
}

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
