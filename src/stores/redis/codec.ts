// The on-wire format of an entry in Redis: magic + format version, a small JSON header, raw body.
// Format 2 added the body's length to the header: a value cut short is refused, never served short.
// Times are stored as durations relative to the write, so no two hosts' clocks are compared.
import { CacheError } from '../../errors.js'
import type { CacheEntry, EntryMeta } from '../store.js'

/** The on-wire format: entries of each format also live under keys of their own (keys.ts). */
export const FORMAT_VERSION = 2
/** 'C' 'F' 'R' then the format version: a reader refuses anything it was not written for. */
export const MAGIC = Buffer.from([0x43, 0x46, 0x52, FORMAT_VERSION])
/** Magic (4 bytes) + header length (u32 big-endian). */
export const PREFIX_BYTES = 8
// A header is tags and response headers: a megabyte is far past any real one, and bounds the parse.
const MAX_HEADER_BYTES = 1024 * 1024
// Keys that could reach an object's prototype if a consumer ever merged the parsed metadata.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])
const HEADER_FIELDS = new Set(['t', 'f', 's', 'e', 'g', 'v', 'm', 'b'])

/** The JSON header. `t` is the TTL the entry was written with; `f`/`s`/`e` are offsets from storedAt. */
export interface WireHeader {
  readonly t: number
  readonly f: number
  readonly s: number
  readonly e: number
  /** Tags and the version each had when the fill started: the read script compares them. */
  readonly g: readonly string[]
  readonly v: readonly number[]
  readonly m: EntryMeta
  /** The body's length in bytes. */
  readonly b: number
}

export function encodeEntry(entry: CacheEntry, ttlMs: number): Buffer {
  const header: WireHeader = {
    t: ttlMs,
    f: entry.freshUntil - entry.storedAt,
    s: entry.staleUntil - entry.storedAt,
    e: entry.errorUntil - entry.storedAt,
    g: entry.tags,
    v: entry.tagVersions,
    m: entry.meta,
    b: entry.body.byteLength,
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8')
  const out = Buffer.allocUnsafe(PREFIX_BYTES + json.length + entry.body.byteLength)
  MAGIC.copy(out, 0)
  out.writeUInt32BE(json.length, 4)
  json.copy(out, PREFIX_BYTES)
  out.set(entry.body, PREFIX_BYTES + json.length)
  return out
}

/** An entry read back, with its times rebased onto the reader's clock. */
export interface DecodedEntry {
  readonly entry: CacheEntry
  /** When Redis will drop it, on the reader's clock. */
  readonly expiresAt: number
}

/**
 * A stored value checked and decoded, before its times are rebased: what does not depend on the
 * reader's clock, so that it can be shared by the readers of one reply and reused while the stored
 * bytes do not change (see {@link DecodeMemo}).
 */
export interface StoredValue {
  readonly header: WireHeader
  readonly body: Uint8Array
}

/** Checks and decodes a stored value (everything but the times). Throws E_BAD_STORE_DATA. */
export function decodeValue(bytes: Uint8Array, remainingMs: number, memo?: DecodeMemo, key?: string): StoredValue {
  if (bytes.byteLength < PREFIX_BYTES) throw bad('truncated')
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) throw bad('not a cachefront entry of this format')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const headerBytes = view.getUint32(4)
  if (headerBytes > MAX_HEADER_BYTES || PREFIX_BYTES + headerBytes > bytes.byteLength) throw bad('bad header length')
  if (!Number.isFinite(remainingMs) || remainingMs <= 0) throw bad('no TTL')
  // The same bytes decode to the same value: reuse it, so that the meta and body objects stay the
  // same from hit to hit (what the http layer memoizes its prepared headers and checks on).
  const last = key === undefined ? undefined : memo?.get(key)
  if (last !== undefined && last.raw.equals(bytes)) return last.value
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + PREFIX_BYTES, headerBytes).toString('utf8')
  const header = parseHeader(text)
  const bodyBytes = bytes.byteLength - PREFIX_BYTES - headerBytes
  if (bodyBytes !== header.b) throw bad('body length does not match')
  // A copy: a view of `bytes` would pin the client's whole socket chunk (other replies too) for as
  // long as the entry lives, e.g. in a tiered store's L1, where it is accounted by body size only.
  if (key === undefined || memo === undefined || bytes.byteLength > MEMO_MAX_VALUE_BYTES) {
    memo?.delete(key ?? '')
    const bodyStart = bytes.byteOffset + PREFIX_BYTES + headerBytes
    return { header, body: new Uint8Array(new Uint8Array(bytes.buffer, bodyStart, bodyBytes)) }
  }
  // Remembered: one copy of the whole value, compared with the next read's bytes; the body is a
  // view of it (pinning only the header besides, which a memory store copies away if it keeps it).
  const own = new Uint8Array(bytes)
  const raw = Buffer.from(own.buffer, 0, own.byteLength)
  const value: StoredValue = {
    header,
    body: new Uint8Array(raw.buffer, raw.byteOffset + PREFIX_BYTES + headerBytes, bodyBytes),
  }
  memo.set(key, raw, value)
  return value
}

/** The entry of a decoded value read with `remainingMs` of TTL left, on the reader's clock at `now`. */
export function rebase(value: StoredValue, remainingMs: number, now: number): DecodedEntry {
  const header = value.header
  const elapsed = Math.max(0, header.t - remainingMs)
  const storedAt = now - elapsed
  return {
    expiresAt: now + remainingMs,
    entry: {
      storedAt,
      freshUntil: storedAt + header.f,
      staleUntil: storedAt + header.s,
      errorUntil: storedAt + header.e,
      tags: header.g,
      tagVersions: header.v,
      meta: header.m,
      body: value.body,
    },
  }
}

// Values up to this size (encoded) are remembered; larger ones are decoded on every read.
const MEMO_MAX_VALUE_BYTES = 32 * 1024

/**
 * The last value decoded per key, for a bounded number of keys (least recently used dropped), so
 * that a hot key read again and again is compared byte for byte instead of parsed and copied.
 */
export class DecodeMemo {
  readonly #entries = new Map<string, { readonly raw: Buffer; readonly value: StoredValue }>()
  readonly #maxKeys: number

  constructor(maxKeys: number) {
    this.#maxKeys = maxKeys
  }

  get(key: string): { readonly raw: Buffer; readonly value: StoredValue } | undefined {
    return this.#entries.get(key)
  }

  set(key: string, raw: Buffer, value: StoredValue): void {
    this.#entries.delete(key)
    this.#entries.set(key, { raw, value })
    if (this.#entries.size > this.#maxKeys) this.#entries.delete(this.#entries.keys().next().value as string)
  }

  delete(key: string): void {
    this.#entries.delete(key)
  }

  clear(): void {
    this.#entries.clear()
  }
}

function parseHeader(text: string): WireHeader {
  let parsed: unknown
  try {
    // Data, never code: JSON.parse only, then a walk that refuses prototype-reaching keys anywhere.
    parsed = JSON.parse(text)
  } catch {
    throw bad('header is not JSON')
  }
  refuseForbiddenKeys(parsed)
  if (!isPlainObject(parsed)) throw bad('header is not an object')
  for (const field of Object.keys(parsed)) if (!HEADER_FIELDS.has(field)) throw bad(`unknown header field ${field}`)
  const { t, f, s, e, g, v, m, b } = parsed
  if (!(typeof t === 'number' && Number.isSafeInteger(t) && t > 0)) throw bad('bad ttl')
  for (const offset of [f, s, e])
    if (!(typeof offset === 'number' && Number.isFinite(offset) && offset >= 0)) throw bad('bad times')
  if (!Array.isArray(g) || !g.every((tag) => typeof tag === 'string')) throw bad('bad tags')
  if (!Array.isArray(v) || v.length !== g.length) throw bad('bad tag versions')
  if (!v.every((version) => typeof version === 'number' && Number.isSafeInteger(version) && version >= 0)) {
    throw bad('bad tag versions')
  }
  if (!isPlainObject(m)) throw bad('bad meta')
  if (!(typeof b === 'number' && Number.isSafeInteger(b) && b >= 0)) throw bad('bad body length')
  const times = { f: f as number, s: s as number, e: e as number }
  return { t, ...times, g: g as string[], v: v as number[], m: m as EntryMeta, b }
}

// What the reviver did, without a call per value: every object key of the parsed tree, at any
// depth. JSON.parse makes `__proto__` an own property, so it is seen here like any other key.
function refuseForbiddenKeys(value: unknown): void {
  if (typeof value !== 'object' || value === null) return
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) refuseForbiddenKeys(value[i])
    return
  }
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) throw bad(`forbidden key ${key}`)
    refuseForbiddenKeys((value as Record<string, unknown>)[key])
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function bad(reason: string): CacheError {
  return new CacheError('E_BAD_STORE_DATA', `cachefront: redis entry rejected: ${reason}`)
}
