// Value codecs for memoize: how a memoized function's result becomes the bytes a store keeps,
// and back. The default is strict JSON, so a value never comes back different from how it left.

/**
 * Turns values into bytes and back. Both methods may throw: an `encode` failure leaves the
 * value uncached (the caller still gets it), a `decode` failure makes the entry a miss.
 */
export interface Codec<T = unknown> {
  /**
   * Stored beside each entry; an entry written under another codec name is a miss, so changing
   * the codec of a function whose entries live in a shared store never decodes foreign bytes.
   * @default 'custom'
   */
  readonly name?: string
  // Function-typed properties, not methods: a codec of Dates must not pass for a codec of numbers.
  readonly encode: (value: T) => Uint8Array
  readonly decode: (bytes: Uint8Array) => T
}

const encoder = new TextEncoder()
// `fatal`: bytes that are not valid UTF-8 are corrupt, not text to repair with U+FFFD.
const decoder = new TextDecoder('utf-8', { fatal: true })

/**
 * JSON as UTF-8. Only values that JSON gives back unchanged are accepted: plain objects, arrays,
 * strings, finite numbers, booleans and null. Object properties set to `undefined` are dropped,
 * as JSON does. Anything else (a `Date`, `Map`, class instance, `BigInt`, function, `NaN`, a
 * cycle, `undefined` in an array or as the whole value) throws, because a hit would otherwise
 * return something else than the miss did (a `Date` would come back as a string).
 */
export const jsonCodec: Codec & { readonly name: 'json' } = {
  name: 'json',
  encode(value) {
    if (value === undefined) throw new TypeError('cachefront: the JSON codec cannot encode undefined')
    return encoder.encode(JSON.stringify(value, strictReplacer))
  },
  decode(bytes) {
    return JSON.parse(decoder.decode(bytes)) as unknown
  },
}

// JSON.stringify calls this for every value, with the holder as `this`; `this[key]` is the
// value before `toJSON`, which is what must be checked (a Date has already become a string).
function strictReplacer(this: unknown, key: string, value: unknown): unknown {
  const original = (this as Record<string, unknown>)[key]
  const where = key === '' ? 'the top level' : Array.isArray(this) ? `index ${key}` : `key ${JSON.stringify(key)}`
  switch (typeof original) {
    case 'string':
    case 'boolean':
      return value
    case 'number':
      if (Number.isFinite(original)) return value
      throw unsupported(where, String(original))
    case 'undefined':
      // An absent property and one set to undefined read the same; in an array it would become null.
      if (!Array.isArray(this)) return value
      throw unsupported(where, 'undefined in an array')
    case 'object':
      if (original === null || Array.isArray(original)) return value
      if (isPlainObject(original)) return value
      throw unsupported(where, `an instance of ${constructorName(original)}`)
    default:
      throw unsupported(where, `a ${typeof original}`)
  }
}

function unsupported(where: string, what: string): TypeError {
  return new TypeError(
    `cachefront: the JSON codec cannot encode ${what} (at ${where}); ` +
      'pass a `codec` that can, or return plain data',
  )
}

function isPlainObject(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

function constructorName(value: object): string {
  const name: unknown = (value as { constructor?: { name?: unknown } }).constructor?.name
  return typeof name === 'string' && name !== '' ? name : 'a class'
}
