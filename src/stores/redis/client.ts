// The slice of an ioredis client (Redis or Cluster) that the store uses, and the fail-fast rule:
// a command is only sent on a ready connection, so ioredis' offline queue can never hold a request.
import type { Cluster, Redis } from 'ioredis'
import { CacheError } from '../../errors.js'

/** An ioredis client: `new Redis(url)` or `new Redis.Cluster(nodes)`. */
export type RedisClient = Redis | Cluster

type Arg = string | Buffer | number

/** What the store calls; both ioredis classes have it (their overloads are too wide for a union). */
export interface Commands {
  readonly status: string
  readonly isCluster: boolean
  call(command: string, args: Arg[]): Promise<unknown>
  callBuffer(command: string, args: Arg[]): Promise<unknown>
  connect(): Promise<void>
}

export function isRedisClient(value: unknown): value is RedisClient {
  if (typeof value !== 'object' || value === null) return false
  const client = value as Partial<Commands> & { duplicate?: unknown }
  return (
    typeof client.callBuffer === 'function' &&
    typeof client.call === 'function' &&
    typeof client.duplicate === 'function' &&
    typeof client.status === 'string'
  )
}

export function commands(client: RedisClient): Commands {
  return client as unknown as Commands
}

/**
 * Throws at once unless the connection is ready. While ioredis reconnects, a command would
 * otherwise wait in its offline queue (or be retried) for seconds: failing now makes it a miss
 * that costs nothing, and lets the circuit breaker see the outage.
 */
export function assertReady(client: Commands): void {
  if (client.status === 'ready') return
  // A lazyConnect client has not dialled yet: start it, and answer this call as a miss.
  if (client.status === 'wait') client.connect().catch(() => undefined)
  throw new CacheError('E_STORE_ERROR', `cachefront: redis connection is not ready (status ${client.status})`)
}
