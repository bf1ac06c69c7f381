// The defaults written in TSDoc and in the README must be the ones the code applies.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CACHE_DEFAULTS, MEMORY_STORE_DEFAULTS, ROUTE_DEFAULTS } from '../../src/index.js'

function tsdocDefaults(file: string): Map<string, string> {
  const lines = readFileSync(new URL(`../../src/${file}`, import.meta.url), 'utf8').split('\n')
  const found = new Map<string, string>()
  let pending: string | undefined
  for (const line of lines) {
    const tag = /@default (.+)$/.exec(line)
    if (tag) pending = tag[1]!.trim()
    const property = /^\s*(\w+)\?:/.exec(line)
    if (property && pending !== undefined) {
      found.set(property[1]!, pending)
      pending = undefined
    }
  }
  return found
}

function literal(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : Array.isArray(value) ? JSON.stringify(value) : String(value)
}

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

function readmeDefault(option: string, section: string): string | undefined {
  const start = readme.indexOf(section) + section.length
  const end = readme.indexOf('\n#', start)
  const row = new RegExp(`^\\|\\s*\`${option}\`\\s*\\|\\s*([^|]+?)\\s*\\|`, 'm').exec(readme.slice(start, end))
  return row?.[1]
}

describe('documented defaults equal the applied ones', () => {
  it.each(Object.entries(CACHE_DEFAULTS))('createCache %s', (name, value) => {
    expect(tsdocDefaults('engine/options.ts').get(name)).toBe(literal(value))
    expect(readmeDefault(name, '### `createCache(options)`')).toBe(`\`${literal(value)}\``)
  })

  it('memoryStore maxBytes', () => {
    expect(tsdocDefaults('stores/memory.ts').get('maxBytes')).toBe(literal(MEMORY_STORE_DEFAULTS.maxBytes))
    expect(readmeDefault('maxBytes', '### `memoryStore(options)`')).toBe(
      `\`${literal(MEMORY_STORE_DEFAULTS.maxBytes)}\``,
    )
  })

  it.each(Object.entries(ROUTE_DEFAULTS))('route %s', (name, value) => {
    const documented = tsdocDefaults('http/route-options.ts').get(name)
    expect(documented?.startsWith(literal(value))).toBe(true)
    expect(readmeDefault(name, '### Route options')).toBe(`\`${literal(value)}\``)
  })
})
