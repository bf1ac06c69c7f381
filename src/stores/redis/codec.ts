// The on-wire format of an entry in Redis: magic + format version, a small JSON header, raw body.
// Times are stored as durations relative to the write, so no two hosts' clocks are compared.
import { CacheError } from '../../errors.js'
import type { CacheEntry, EntryMeta } from '../store.js'

/** 'C' 'F' 'R' then the format version: a reader refuses anything it was not written for. */
export const MAGIC = Buffer.from([0x43, 0x46, 0x52, 0x01])
/** Magic (4 bytes) + header length (u32 big-endian). */
export const PREFIX_BYTES = 8
// A header is tags and response headers: a megabyte is far past any real one, and bounds the parse.
const MAX_HEADER_BYTES = 1024 * 1024
// Keys that could reach an object's prototype if a consumer ever merged the parsed metadata.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])
const HEADER_FIELDS = new Set(['t', 'f', 's', 'e', 'g', 'v', 'm'])

/** The JSON header. `t` is the TTL the entry was written with; `f`/`s`/`e` are offsets from storedAt. */
interface WireHeader {
  readonly t: number
  readonly f: number
  readonly s: number
  readonly e: number
  /** Tags and the version each had when the fill started: the read script compares them. */
  readonly g: readonly string[]
  readonly v: readonly number[]
  readonly m: EntryMeta
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
 * Decodes `bytes` read with `remainingMs` of TTL left, at the reader's `now`. The entry's age is
 * what Redis says has elapsed since the write (written TTL − remaining TTL), never a clock
 * reading from another host. Throws E_BAD_STORE_DATA for anything malformed or foreign.
 */
export function decodeEntry(bytes: Uint8Array, remainingMs: number, now: number): DecodedEntry {
  if (bytes.byteLength < PREFIX_BYTES) throw bad('truncated')
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) throw bad('not a cachefront entry of this format')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const headerBytes = view.getUint32(4)
  if (headerBytes > MAX_HEADER_BYTES || PREFIX_BYTES + headerBytes > bytes.byteLength) throw bad('bad header length')
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + PREFIX_BYTES, headerBytes).toString('utf8')
  const header = parseHeader(text)
  if (!Number.isFinite(remainingMs) || remainingMs <= 0) throw bad('no TTL')
  const elapsed = Math.max(0, header.t - remainingMs)
  const storedAt = now - elapsed
  const bodyStart = bytes.byteOffset + PREFIX_BYTES + headerBytes
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
      // A copy: a view would pin the client's whole socket chunk (other replies too) for as long
      // as the entry lives, e.g. in a tiered store's L1, where it is accounted by body size only.
      body: new Uint8Array(new Uint8Array(bytes.buffer, bodyStart, bytes.byteLength - PREFIX_BYTES - headerBytes)),
    },
  }
}

function parseHeader(text: string): WireHeader {
  let parsed: unknown
  try {
    // Data, never code: JSON.parse only; the reviver refuses prototype-reaching keys anywhere.
    parsed = JSON.parse(text, (key: string, value: unknown) => {
      if (FORBIDDEN_KEYS.has(key)) throw bad(`forbidden key ${key}`)
      return value
    })
  } catch (error) {
    throw error instanceof CacheError ? error : bad('header is not JSON')
  }
  if (!isPlainObject(parsed)) throw bad('header is not an object')
  for (const field of Object.keys(parsed)) if (!HEADER_FIELDS.has(field)) throw bad(`unknown header field ${field}`)
  const { t, f, s, e, g, v, m } = parsed
  if (!(typeof t === 'number' && Number.isSafeInteger(t) && t > 0)) throw bad('bad ttl')
  for (const offset of [f, s, e])
    if (!(typeof offset === 'number' && Number.isFinite(offset) && offset >= 0)) throw bad('bad times')
  if (!Array.isArray(g) || !g.every((tag) => typeof tag === 'string')) throw bad('bad tags')
  if (!Array.isArray(v) || v.length !== g.length) throw bad('bad tag versions')
  if (!v.every((version) => typeof version === 'number' && Number.isSafeInteger(version) && version >= 0)) {
    throw bad('bad tag versions')
  }
  if (!isPlainObject(m)) throw bad('bad meta')
  return { t, f: f as number, s: s as number, e: e as number, g: g as string[], v: v as number[], m: m as EntryMeta }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function bad(reason: string): CacheError {
  return new CacheError('E_BAD_STORE_DATA', `cachefront: redis entry rejected: ${reason}`)
}
