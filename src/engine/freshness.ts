// Freshness as pure functions of (entry, now): no clock reads, no side effects.
import type { CacheEntry } from '../stores/store.js'

/** What an entry may be used for at a given time. */
export const EntryState = {
  /** Serve it. */
  Fresh: 0,
  /** Serve it, and refresh it in the background (stale-while-revalidate). */
  Stale: 1,
  /** Do not serve it, except in place of an origin failure while `errorUntil` allows. */
  Expired: 2,
} as const
export type EntryState = (typeof EntryState)[keyof typeof EntryState]

export function entryState(entry: CacheEntry, now: number): EntryState {
  if (now < entry.freshUntil) return EntryState.Fresh
  if (now < entry.staleUntil) return EntryState.Stale
  return EntryState.Expired
}

/** True while the entry may stand in for a failed or 5xx origin response (stale-if-error). */
export function usableOnError(entry: CacheEntry, now: number): boolean {
  return now < entry.errorUntil
}

/** How long the store must keep the entry: until neither stale window can use it. */
export function storeTtl(entry: CacheEntry): number {
  return Math.max(entry.freshUntil, entry.staleUntil, entry.errorUntil) - entry.storedAt
}

/** Age in whole seconds, as the HTTP `Age` header counts it (RFC 9111 §5.1). */
export function ageSeconds(entry: CacheEntry, now: number): number {
  const age = Math.floor((now - entry.storedAt) / 1000)
  return age > 0 ? age : 0
}

/** Seconds of freshness left; negative once stale (RFC 9211 `ttl` parameter). */
export function ttlSeconds(entry: CacheEntry, now: number): number {
  return Math.floor((entry.freshUntil - now) / 1000)
}
