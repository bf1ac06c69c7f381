// One entry as bytes in a slab: a fixed head, the JSON of its meta and tags, then the body. Kept
// off the JS heap so that a million churned entries do not leave V8's old space fragmented.
import type { CacheEntry, EntryMeta } from '../store.js'

/** slot u32 · header length u32 · body length u32 · record length u32 · four f64 times. */
export const RECORD_HEAD = 48
/** Written over the slot of a record that no longer belongs to any entry. */
export const DEAD = 0xffffffff

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** The record's variable header: what a CacheEntry holds besides its times and body. */
export function recordHeader(entry: CacheEntry): string {
  return JSON.stringify([entry.meta, entry.tags, entry.tagVersions])
}

/** An upper bound of the record's length, before its header is encoded (UTF-8: ≤ 3 bytes per unit). */
export function recordBound(header: string, entry: CacheEntry): number {
  return align8(RECORD_HEAD + header.length * 3 + entry.body.byteLength)
}

/** Encodes `header` for a record of its own, whose exact length must be known first. */
export function encodeHeader(header: string): Uint8Array {
  return encoder.encode(header)
}

/**
 * Writes the record at `at`; `header` is a string (encoded in place) or its bytes. Answers the
 * record's length, or 0 when it does not fit before `end`.
 */
export function writeRecord(
  bytes: Uint8Array,
  view: DataView,
  at: number,
  end: number,
  slot: number,
  entry: CacheEntry,
  header: string | Uint8Array,
): number {
  const headerAt = at + RECORD_HEAD
  let headerLength: number
  if (typeof header === 'string') {
    const { read, written } = encoder.encodeInto(header, bytes.subarray(headerAt, end))
    if (read !== header.length) return 0
    headerLength = written
  } else {
    if (headerAt + header.byteLength > end) return 0
    bytes.set(header, headerAt)
    headerLength = header.byteLength
  }
  const bodyLength = entry.body.byteLength
  const length = align8(RECORD_HEAD + headerLength + bodyLength)
  if (at + length > end) return 0
  bytes.set(entry.body, headerAt + headerLength)
  view.setUint32(at, slot, true)
  view.setUint32(at + 4, headerLength, true)
  view.setUint32(at + 8, bodyLength, true)
  view.setUint32(at + 12, length, true)
  view.setFloat64(at + 16, entry.storedAt, true)
  view.setFloat64(at + 24, entry.freshUntil, true)
  view.setFloat64(at + 32, entry.staleUntil, true)
  view.setFloat64(at + 40, entry.errorUntil, true)
  return length
}

export function recordSlot(view: DataView, at: number): number {
  return view.getUint32(at, true)
}

export function recordLength(view: DataView, at: number): number {
  return view.getUint32(at + 12, true)
}

/** The entry back from its record, with a body that owns its bytes (the slab will be reused). */
export function readRecord(bytes: Uint8Array, view: DataView, at: number): CacheEntry {
  const headerLength = view.getUint32(at + 4, true)
  const bodyLength = view.getUint32(at + 8, true)
  const headerAt = at + RECORD_HEAD
  const bodyAt = headerAt + headerLength
  const [meta, tags, tagVersions] = JSON.parse(decoder.decode(bytes.subarray(headerAt, bodyAt))) as [
    EntryMeta,
    string[],
    number[],
  ]
  return {
    storedAt: view.getFloat64(at + 16, true),
    freshUntil: view.getFloat64(at + 24, true),
    staleUntil: view.getFloat64(at + 32, true),
    errorUntil: view.getFloat64(at + 40, true),
    tags,
    tagVersions,
    meta,
    body: bytes.slice(bodyAt, bodyAt + bodyLength),
  }
}

export function align8(bytes: number): number {
  return (bytes + 7) & ~7
}
