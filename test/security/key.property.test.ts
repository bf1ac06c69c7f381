// Property-based tests (fast-check) of key normalization and header parsing: two requests share a
// key only when every framework parses them to the same parameters, and the parsers of Vary,
// Cache-Control and If-None-Match cannot be steered by spelling.
import { parse as parseQuerystring } from 'node:querystring'
import fastQuerystring from 'fast-querystring'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { forwardStatus, hitStatus, staleHitStatus, staleOnErrorStatus } from '../../src/http/cache-status.js'
import { ifNoneMatchMatches } from '../../src/http/etag.js'
import { baseKey, normalizeQuery, parseVary } from '../../src/http/key.js'
import { responseNotStored } from '../../src/http/policy.js'
import { resolveRouteOptions } from '../../src/http/route-options.js'
import { createCache } from '../../src/index.js'

// A fixed seed keeps CI deterministic; FC_SEED explores other corners locally.
fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20_261_125) })

// Characters that separate, encode or cloak parameters, and a few plain ones.
const queryChar = fc.constantFrom(
  'a',
  'b',
  'Z',
  '1',
  '=',
  '&',
  ';',
  '%',
  '2',
  '3',
  '6',
  'B',
  'F',
  '+',
  ' ',
  '?',
  '#',
  'é',
)
const query = fc.array(queryChar, { maxLength: 14 }).map((chars) => chars.join(''))

/**
 * The parameters as `url.searchParams` (Hono, fetch) gives them, names stably sorted: `q` is what
 * follows the URL's first `?`, and the URL's search keeps that `?`, which URLSearchParams drops.
 */
function whatwgParams(q: string): [string, string][] {
  const params = new URLSearchParams(`?${q}`)
  params.sort()
  return [...params]
}

/** The parameters as node:querystring (Express's simple parser) parses them. */
function nodeParams(q: string): Record<string, string | string[]> {
  return { ...parseQuerystring(q) } as Record<string, string | string[]>
}

/** The parameters as fast-querystring (Fastify 5's parser) parses them. */
function fastifyParams(q: string): Record<string, unknown> {
  return { ...(fastQuerystring.parse(q) as Record<string, unknown>) }
}

const pair = fc.tuple(fc.constantFrom('a', 'b', 'c', 'page', 'q'), fc.string({ maxLength: 4 }))
const encodePair = ([name, value]: [string, string]): string => `${name}=${encodeURIComponent(value)}`

describe('key normalization (property-based)', () => {
  it('parameters with distinct names share a key in any order', () => {
    fc.assert(
      fc.property(fc.uniqueArray(pair, { selector: ([name]) => name }), fc.nat(), (pairs, seed) => {
        const shuffled = [...pairs].sort(() => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % 3) - 1)
        expect(normalizeQuery(shuffled.map(encodePair).join('&'))).toBe(normalizeQuery(pairs.map(encodePair).join('&')))
      }),
    )
  })

  it('two queries share a key only if the frameworks parse them to the same parameters', () => {
    fc.assert(
      fc.property(query, query, (a, b) => {
        if (normalizeQuery(a) !== normalizeQuery(b)) return
        expect(whatwgParams(a)).toEqual(whatwgParams(b))
        expect(nodeParams(a)).toEqual(nodeParams(b))
        expect(fastifyParams(a)).toEqual(fastifyParams(b))
      }),
      { numRuns: 50_000 },
    )
  })

  it('different multisets of (name, value) never share a key', () => {
    fc.assert(
      fc.property(fc.array(pair, { maxLength: 5 }), fc.array(pair, { maxLength: 5 }), (a, b) => {
        const sortedA = [...a].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
        const sortedB = [...b].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
        const same = JSON.stringify(sortedA) === JSON.stringify(sortedB)
        const keyA = normalizeQuery(a.map(encodePair).join('&'))
        const keyB = normalizeQuery(b.map(encodePair).join('&'))
        if (!same) expect(keyA).not.toBe(keyB)
      }),
    )
  })

  it('`;` and encoded separators never merge two different parameter sets', () => {
    fc.assert(
      fc.property(pair, pair, fc.constantFrom(';', '%3B', '%26', '%3D', '%23'), (first, second, separator) => {
        const cloaked = `${encodePair(first)}${separator}${encodePair(second)}`
        const split = `${encodePair(first)}&${encodePair(second)}`
        expect(normalizeQuery(cloaked)).not.toBe(normalizeQuery(split))
      }),
    )
  })

  it('different hosts or paths never share a key', () => {
    const segment = fc.array(fc.constantFrom('a', 'B', '%2F', '%2f', '/', '.', ';', '%00', '%3B'), { maxLength: 6 })
    fc.assert(
      fc.property(segment, segment, fc.constantFrom('a.test', 'b.test', 'a.test:80'), (p, q, host) => {
        const view = (path: string, h: string) => ({
          method: 'GET',
          scheme: 'http',
          host: h,
          path,
          query: '',
          header: () => undefined,
        })
        const pathA = `/${p.join('')}`
        const pathB = `/${q.join('')}`
        if (pathA !== pathB) expect(baseKey(view(pathA, host))).not.toBe(baseKey(view(pathB, host)))
        expect(baseKey(view(pathA, host))).not.toBe(baseKey(view(pathA, `x${host}`)))
      }),
    )
  })
})

const route = resolveRouteOptions({ cache: createCache() })
const facts = (headers: Record<string, string>) => ({
  status: 200,
  header: (name: string) => headers[name],
  hasSetCookie: false,
})
const spacing = fc.constantFrom('', ' ', '  ', '\t')
const caseOf = (word: string, mask: number): string =>
  [...word].map((c, i) => ((mask >> i) & 1 ? c.toUpperCase() : c)).join('')
const harmless = fc.constantFrom<string>(
  'public',
  'max-age=60',
  's-maxage=30',
  'must-revalidate',
  'immutable',
  'x-private',
  'no-transform',
)

describe('header parsing (property-based)', () => {
  it('Vary: order, case, spacing and duplicates do not matter; `*` anywhere wins', () => {
    const name = fc.constantFrom('accept', 'Accept-Encoding', 'ACCEPT-LANGUAGE', 'x-tenant', 'origin')
    fc.assert(
      fc.property(fc.array(name, { maxLength: 5 }), spacing, fc.boolean(), (names, space, star) => {
        const list = star ? [...names, '*'] : names
        const parsed = parseVary(list.join(`${space},${space}`))
        if (star) expect(parsed).toEqual(['*'])
        else {
          expect(parsed).toEqual([...new Set(names.map((n) => n.toLowerCase()))].sort())
          expect(parseVary([...list].reverse().join(','))).toEqual(parsed)
        }
      }),
    )
  })

  it('Cache-Control no-store, private and no-cache are found whatever the spelling and position', () => {
    fc.assert(
      fc.property(
        fc.array(harmless, { maxLength: 3 }),
        fc.constantFrom('no-store', 'private', 'no-cache', 'private="set-cookie"', 'no-cache="set-cookie"'),
        fc.nat({ max: 255 }),
        spacing,
        fc.nat({ max: 3 }),
        (others, forbidding, mask, space, at) => {
          const list = [...others]
          list.splice(Math.min(at, list.length), 0, caseOf(forbidding, mask))
          const header = list.join(`${space},${space}`)
          expect(responseNotStored(route, facts({ 'cache-control': header }))).toBeDefined()
        },
      ),
    )
  })

  it('Cache-Control without a forbidding directive never blocks storing', () => {
    fc.assert(
      fc.property(fc.array(harmless, { minLength: 1, maxLength: 4 }), spacing, (list, space) => {
        expect(responseNotStored(route, facts({ 'cache-control': list.join(`${space},${space}`) }))).toBeUndefined()
      }),
    )
  })

  const opaque = fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/)

  it('If-None-Match matches a listed tag in any position, with W/ and spacing', () => {
    fc.assert(
      fc.property(
        fc.array(opaque, { maxLength: 4 }),
        opaque,
        fc.nat({ max: 4 }),
        fc.boolean(),
        spacing,
        (others, tag, at, weak, space) => {
          const list = others.map((o) => `"${o}"`)
          list.splice(Math.min(at, list.length), 0, `${weak ? 'W/' : ''}"${tag}"`)
          expect(ifNoneMatchMatches(list.join(`${space},${space}`), `"${tag}"`)).toBe(true)
        },
      ),
    )
  })

  it('If-None-Match never matches when the tag is not listed', () => {
    fc.assert(
      fc.property(fc.array(opaque, { maxLength: 4 }), opaque, (others, tag) => {
        fc.pre(!others.includes(tag))
        const header = others.map((o) => `"${o}"`).join(', ')
        expect(ifNoneMatchMatches(header === '' ? undefined : header, `"${tag}"`)).toBe(false)
        // Quotes are part of the tag: the bare value never matches.
        expect(ifNoneMatchMatches(tag, `"${tag}"`)).toBe(tag === '*')
      }),
    )
  })

  // RFC 9211 Cache-Status is an RFC 8941 List: here, one item (a token) with parameters.
  const SF_ITEM =
    /^cachefront(?:;[a-z*][a-z0-9_.*-]*(?:=(?:-?\d{1,15}|[A-Za-z*][A-Za-z0-9!#$%&'*+.^_`|~:/-]*|"[^"\\]*"))?)*$/
  const parses = (value: string): boolean => SF_ITEM.test(value.replace(/; /g, ';'))

  it('every Cache-Status value we send parses as a Structured Field', () => {
    const detail = fc.constantFrom(
      undefined,
      'set-cookie',
      'no-store',
      'private',
      'vary',
      'too-large',
      'head',
      'range',
      'key-error',
      'tags-error',
      'method-override',
      'body',
      'authorization',
      'cookie',
    )
    fc.assert(
      fc.property(
        fc.integer({ min: -1e9, max: 1e9 }),
        fc.constantFrom('miss', 'stale', 'request', 'method', 'bypass'),
        fc.boolean(),
        detail,
        fc.option(fc.integer({ min: 100, max: 599 }), { nil: undefined }),
        (ttl, fwd, stored, why, status) => {
          expect(parses(hitStatus(ttl))).toBe(true)
          expect(parses(staleHitStatus(ttl))).toBe(true)
          expect(parses(forwardStatus(fwd, stored, why, status))).toBe(true)
          expect(parses(staleOnErrorStatus(status))).toBe(true)
        },
      ),
    )
  })
})
