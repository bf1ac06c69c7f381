// The default key of a memoized call: a canonical text of its arguments, equal for arguments that
// the function cannot tell apart ({a,b} and {b,a}) and different for those it can ('1' and 1).

/**
 * Serializes `args` canonically. Strings are JSON-quoted and other values are bare tokens, so
 * types never collide (`"1"` vs `1`, `"null"` vs `null`, `1n` vs `1`); object keys are sorted
 * recursively; properties set to `undefined` and trailing `undefined` arguments are left out,
 * as a function reads them the same as absent ones. Throws a TypeError for what cannot be keyed.
 */
export function argsKey(args: readonly unknown[]): string {
  let end = args.length
  while (end > 0 && args[end - 1] === undefined) end--
  const ancestors = new Set<object>()
  let text = '['
  for (let i = 0; i < end; i++) {
    if (i > 0) text += ','
    text += keyOf(args[i], ancestors, `argument ${i + 1}`)
  }
  return text + ']'
}

function keyOf(value: unknown, ancestors: Set<object>, where: string): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value)
    case 'number':
      // -0 and 0 are `===`; NaN and the infinities have no JSON form but are still one value each.
      return Object.is(value, -0) ? '0' : String(value)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'bigint':
      return `${value}n`
    case 'undefined':
      return 'undefined'
    case 'object':
      return value === null ? 'null' : objectKey(value, ancestors, where)
    default:
      throw unkeyable(where, `a ${typeof value}`)
  }
}

function objectKey(value: object, ancestors: Set<object>, where: string): string {
  if (value instanceof Date) return `Date(${value.getTime()})`
  if (ancestors.has(value)) throw unkeyable(where, 'a circular reference')
  ancestors.add(value)
  let text: string
  if (Array.isArray(value)) {
    text = '['
    for (let i = 0; i < value.length; i++) {
      if (i > 0) text += ','
      text += keyOf(value[i], ancestors, `${where}[${i}]`)
    }
    text += ']'
  } else {
    const prototype: unknown = Object.getPrototypeOf(value)
    if (prototype !== Object.prototype && prototype !== null) {
      // A Map, a class instance…: its state is not in its own enumerable properties.
      throw unkeyable(where, 'an object that is not a plain object, array or Date')
    }
    const record = value as Record<string, unknown>
    text = '{'
    let first = true
    for (const name of Object.keys(record).sort()) {
      const field = record[name]
      if (field === undefined) continue
      text += `${first ? '' : ','}${JSON.stringify(name)}:${keyOf(field, ancestors, `${where}.${name}`)}`
      first = false
    }
    text += '}'
  }
  ancestors.delete(value)
  return text
}

function unkeyable(where: string, what: string): TypeError {
  return new TypeError(
    `cachefront: memoize cannot make a key of ${what} (${where}); pass a \`key\` function to memoize`,
  )
}
