// Checks the shape of what a store returned: a custom or remote store's answer is untrusted.
import type { CacheEntry } from '../stores/store.js'

export function isCacheEntry(value: unknown): value is CacheEntry {
  if (typeof value !== 'object' || value === null) return false
  try {
    return hasEntryShape(value as Record<string, unknown>)
  } catch {
    // A getter or proxy trap that throws: not an entry, and it must not fail the request.
    return false
  }
}

function hasEntryShape(entry: Record<string, unknown>): boolean {
  return (
    typeof entry.storedAt === 'number' &&
    typeof entry.freshUntil === 'number' &&
    typeof entry.staleUntil === 'number' &&
    typeof entry.errorUntil === 'number' &&
    entry.body instanceof Uint8Array &&
    Array.isArray(entry.tags) &&
    Array.isArray(entry.tagVersions) &&
    typeof entry.meta === 'object' &&
    entry.meta !== null
  )
}
