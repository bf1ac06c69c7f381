// Checks the metadata of a stored response before anything is built from it: a custom or remote
// store's answer is untrusted (corrupt, truncated, another version's format, hostile).
import type { CacheEntry } from '../stores/store.js'
import { isStrongEtag } from './etag.js'
import { isStorableHeaderName } from './stored-response.js'

// Bounds far above what any origin sends; past them the entry is not ours.
const MAX_HEADER_FIELDS = 256
const MAX_HEADER_VALUE = 16 * 1024
// RFC 9110 §5.1 token, lower case as we store names; §5.5 field-value without CR, LF or NUL.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/

// Entries are immutable once stored. The memory store hands back the same entry on every hit, and
// the Redis store the same meta object while the stored bytes are unchanged (a new entry around it,
// with rebased times): the check depends on the meta alone, so each meta object is checked once.
const checked = new WeakSet<object>()

/** True when `entry.meta` is a response or marker this version of cachefront wrote. */
export function hasResponseMeta(entry: CacheEntry): boolean {
  let meta: unknown
  try {
    meta = entry.meta
  } catch {
    return false
  }
  if (typeof meta === 'object' && meta !== null && checked.has(meta)) return true
  let valid: boolean
  try {
    valid = isResponseMeta(meta)
  } catch {
    // A getter or proxy that throws: hostile or broken, either way not an entry of ours.
    valid = false
  }
  if (valid) checked.add(meta as object)
  return valid
}

function isResponseMeta(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const meta = value as Record<string, unknown>
  if (!isHeaderNameList(meta.varyOn)) return false
  if (meta.marker === true) return (meta.varyOn as unknown[]).length > 0
  if (meta.marker !== false) return false
  const status = meta.status
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599) return false
  if (typeof meta.variant !== 'string' || typeof meta.etag !== 'string' || !isStrongEtag(meta.etag)) return false
  return isHeaderList(meta.headers)
}

function isHeaderNameList(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.length <= MAX_HEADER_FIELDS &&
    value.every((name) => typeof name === 'string' && HEADER_NAME.test(name))
  )
}

function isHeaderList(value: unknown): boolean {
  if (!Array.isArray(value) || value.length % 2 !== 0 || value.length > 2 * MAX_HEADER_FIELDS) return false
  for (let i = 0; i < value.length; i += 2) {
    const name: unknown = value[i]
    const field: unknown = value[i + 1]
    if (typeof name !== 'string' || !HEADER_NAME.test(name) || !isStorableHeaderName(name)) return false
    if (typeof field !== 'string' || field.length > MAX_HEADER_VALUE || !FIELD_VALUE.test(field)) return false
  }
  return true
}
