// What a tiered store needs from its redis L2 beyond the Store contract: remaining TTLs, whether
// a fenced write landed, and the shared subscriber. Not part of the public API.
import type { CacheEntry, FillLock } from '../store.js'
import type { Subscriber } from './bus.js'
import type { DecodedEntry } from './codec.js'

export const REDIS_INTERNALS: unique symbol = Symbol('cachefront.redisInternals')

export interface RedisInternals {
  /** The entry and when Redis will drop it (on the reader's clock). */
  read(key: string, now: number): Promise<DecodedEntry | undefined>
  /** True if written; false if fencing refused it (the lock was lost) or it was too large. */
  write(key: string, entry: CacheEntry, ttlMs: number, lock: FillLock | undefined): Promise<boolean>
  readonly subscriber: Subscriber
}
