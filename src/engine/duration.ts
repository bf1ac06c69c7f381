// Parses the human-friendly durations and sizes that options accept ('30s', '64mb').
import { badOption } from '../errors.js'

/** Milliseconds, or a string such as `'500ms'`, `'30s'`, `'10m'`, `'1h'`, `'1d'`. */
export type Duration = number | `${number}${DurationUnit}` | `${number} ${DurationUnit}`
export type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd'

/** Bytes, or a string such as `'512kb'`, `'64mb'`, `'1gb'` (binary multiples). */
export type ByteSize = number | `${number}${ByteUnit}` | `${number} ${ByteUnit}`
export type ByteUnit = 'b' | 'kb' | 'mb' | 'gb'

const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
const BYTE_SIZES: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }
const DURATION_PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/
const BYTES_PATTERN = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)$/i

/** Returns milliseconds; throws CacheOptionError for negative, non-finite or unknown input. */
export function parseDuration(value: unknown, name: string): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return value
    throw badOption(name, 'a duration of 0 ms or more', value)
  }
  if (typeof value === 'string') {
    const match = DURATION_PATTERN.exec(value.trim())
    if (match) return Number(match[1]) * (DURATION_MS[match[2]!] ?? NaN)
  }
  throw badOption(name, "a duration (milliseconds, or a string like '500ms', '30s', '10m', '1h', '1d')", value)
}

/** Returns a whole number of bytes; throws CacheOptionError for anything else. */
export function parseByteSize(value: unknown, name: string): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return Math.floor(value)
    throw badOption(name, 'a size of 0 bytes or more', value)
  }
  if (typeof value === 'string') {
    const match = BYTES_PATTERN.exec(value.trim())
    if (match) return Math.floor(Number(match[1]) * (BYTE_SIZES[match[2]!.toLowerCase()] ?? NaN))
  }
  throw badOption(name, "a size (bytes, or a string like '512kb', '64mb', '1gb')", value)
}
