// Corrupt store data: whatever a store hands back (garbage, truncated, oversized, hostile, another
// version's format) is a miss that gets reported and deleted; the request is answered by the
// origin and nothing from the store is evaluated.
import { describe, expect, it } from 'vitest'
import type { CacheError, CacheEntry, Store } from '../../src/index.js'
import { memoryStore } from '../../src/index.js'
import { ADAPTERS } from './fixtures/apps.js'
import { useApps } from './fixtures/suite.js'

/** A memory store whose reads return `corrupt(entry)` while `active`; deletes are recorded. */
function corruptingStore(corrupt: (entry: CacheEntry) => unknown): Store & { active: boolean; deleted: string[] } {
  const inner = memoryStore()
  const store = {
    ...inner,
    name: 'corrupting',
    active: false,
    deleted: [] as string[],
    get(key: string, now: number) {
      const entry = inner.get(key, now) as CacheEntry | undefined
      return entry !== undefined && store.active ? (corrupt(entry) as CacheEntry) : entry
    },
    delete(key: string) {
      store.deleted.push(key)
      return inner.delete(key)
    },
  }
  return store
}

const meta = (entry: CacheEntry): Record<string, unknown> => entry.meta as Record<string, unknown>

const CORRUPTIONS: [string, (entry: CacheEntry) => unknown][] = [
  ['a string', () => 'garbage'],
  ['a number', () => 42],
  ['null', () => null],
  ['an array', () => [1, 2, 3]],
  ['an empty object', () => ({})],
  ['a body that is not bytes', (e) => ({ ...e, body: 'text' })],
  ['no meta', (e) => ({ ...e, meta: undefined })],
  ['meta without headers (truncated)', (e) => ({ ...e, meta: { ...meta(e), headers: undefined } })],
  ['an odd header list (truncated)', (e) => ({ ...e, meta: { ...meta(e), headers: ['content-type'] } })],
  [
    'a header value with CRLF (response splitting)',
    (e) => ({ ...e, meta: { ...meta(e), headers: ['x-a', 'b\r\nset-cookie: pwned=1'] } }),
  ],
  ['a header name that is not a token', (e) => ({ ...e, meta: { ...meta(e), headers: ['bad name', 'x'] } })],
  // Headers cachefront never stores: framing beside the Content-Length a hit sends (desync behind a
  // proxy), hop-by-hop, and a Set-Cookie that would be replayed to everyone.
  ...['transfer-encoding', 'content-length', 'connection', 'set-cookie', 'age', 'cache-status'].map(
    (name): [string, (entry: CacheEntry) => unknown] => [
      `a stored ${name} header`,
      (e) => ({ ...e, meta: { ...meta(e), headers: [...(meta(e).headers as string[]), name, 'chunked'] } }),
    ],
  ),
  ['a non-string header value', (e) => ({ ...e, meta: { ...meta(e), headers: ['x-a', { toString: () => 'x' }] } })],
  ['status as a string', (e) => ({ ...e, meta: { ...meta(e), status: '200' } })],
  ['status 99', (e) => ({ ...e, meta: { ...meta(e), status: 99 } })],
  ['status 1000', (e) => ({ ...e, meta: { ...meta(e), status: 1000 } })],
  ['a weak or missing etag', (e) => ({ ...e, meta: { ...meta(e), etag: undefined } })],
  ['varyOn that is not a list', (e) => ({ ...e, meta: { ...meta(e), varyOn: 'accept' } })],
  ['a marker without varyOn', (e) => ({ ...e, meta: { ...meta(e), marker: true, varyOn: [] } })],
  ['marker as a string', (e) => ({ ...e, meta: { ...meta(e), marker: 'yes' } })],
  ['oversized: 100 000 headers', (e) => ({ ...e, meta: { ...meta(e), headers: Array(200_000).fill('x-a') } })],
  ['oversized: a 1 MB header value', (e) => ({ ...e, meta: { ...meta(e), headers: ['x-a', 'v'.repeat(1 << 20)] } })],
  [
    'prototype-polluting JSON',
    (e) => ({
      ...e,
      meta: JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}'),
    }),
  ],
  [
    'a __proto__ header name',
    (e) => ({ ...e, meta: { ...meta(e), headers: ['__proto__', 'x', 'constructor', 'y'], etag: 'W/"weak"' } }),
  ],
  [
    'another version’s format',
    (e) => ({ v: 99, format: 'cachefront/2', payload: Buffer.from(e.body).toString('base64') }),
  ],
  [
    'getters that run code',
    (e) => ({
      ...e,
      get meta() {
        throw new Error('evaluated')
      },
    }),
  ],
  [
    'a meta proxy that runs code',
    (e) =>
      ({
        ...e,
        meta: new Proxy(
          {},
          {
            get() {
              throw new Error('evaluated')
            },
          },
        ),
      }) as unknown,
  ],
]

describe.each(ADAPTERS)('%s: corrupt store data', (adapter) => {
  const open = useApps()

  it.each(CORRUPTIONS)('an entry that comes back as %s is a miss, reported and deleted', async (_, corrupt) => {
    const store = corruptingStore(corrupt)
    const errors: CacheError[] = []
    const app = await open(
      adapter,
      (_request, call) => ({ headers: { 'content-type': 'text/plain' }, body: `fresh ${call}` }),
      {
        cache: { store, onError: (error) => errors.push(error) },
      },
    )
    await app.send('/data')
    store.active = true
    const answer = await app.send('/data')
    expect(answer.status).toBe(200)
    expect(answer.body).toBe('fresh 2')
    expect(answer.header('pwned')).toBeUndefined()
    expect(answer.header('set-cookie')).toBeUndefined()
    expect(errors.map((error) => error.code)).toContain('E_BAD_STORE_DATA')
    expect(store.deleted.length).toBeGreaterThan(0)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('a variant entry that points to itself as a marker is a miss, not a loop', async () => {
    const store = corruptingStore((entry) => ({
      ...entry,
      meta: { ...meta(entry), marker: true, varyOn: ['accept-language'] },
    }))
    const app = await open(adapter, (_request, call) => ({ headers: { vary: 'accept-language' }, body: `v${call}` }), {
      cache: { store },
    })
    await app.send('/v', { headers: { 'accept-language': 'en' } })
    store.active = true
    expect((await app.send('/v', { headers: { 'accept-language': 'en' } })).body).toBe('v2')
  })
})
