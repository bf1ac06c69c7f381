// Errors that cachefront raises: one base class with a stable `code`, and a `cause` when one exists.

/** Stable error codes; match on `error.code`, not on messages. */
export type CacheErrorCode =
  | 'E_BAD_OPTION'
  | 'E_STORE_TIMEOUT'
  | 'E_STORE_ERROR'
  | 'E_BAD_STORE_DATA'
  | 'E_CODEC'
  | 'E_CIRCUIT_OPEN'
  | 'E_REFRESH_FAILED'

const BRAND = Symbol.for('cachefront.error')

/**
 * The base of every error cachefront raises. Option errors are also `TypeError`s (they are
 * raised as {@link CacheOptionError}), and `instanceof CacheError` holds for them too.
 */
export class CacheError extends Error {
  readonly code: CacheErrorCode

  constructor(code: CacheErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'CacheError'
    this.code = code
    Object.defineProperty(this, BRAND, { value: true })
  }

  // Lets `err instanceof CacheError` hold for CacheOptionError, which must extend TypeError.
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && BRAND in value
  }
}

/** A bad option, duration or size given to a cachefront factory: raised at creation time. */
export class CacheOptionError extends TypeError {
  readonly code = 'E_BAD_OPTION' as const

  constructor(message: string) {
    super(message)
    this.name = 'CacheOptionError'
    Object.defineProperty(this, BRAND, { value: true })
  }
}

/** Formats a value for an error message without dumping large objects. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'function') return 'a function'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return 'an object'
  return String(value)
}

/** `expected opts.x to be …, got …`: one message shape for every option error. */
export function badOption(name: string, expected: string, got: unknown): CacheOptionError {
  return new CacheOptionError(`cachefront: expected ${name} to be ${expected}, got ${describe(got)}`)
}

/** Rejects option names that are not known: a typo must not silently mean "default". */
export function rejectUnknownOptions(options: object, known: ReadonlySet<string>, where: string): void {
  for (const name of Object.keys(options)) {
    if (!known.has(name)) throw badOption(`${where} options`, `one of ${[...known].join(', ')}`, name)
  }
}
