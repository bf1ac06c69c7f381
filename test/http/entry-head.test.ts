// Answers from one stored entry share their headers while Age and Cache-Status are unchanged;
// nothing of one answer may leak into another that differs (next second, 304, the fill's own).
import { describe, expect, it } from 'vitest'
import { entryHead } from '../../src/http/entry-head.js'
import { hitStatus } from '../../src/http/cache-status.js'
import { responseMeta } from '../../src/http/stored-response.js'
import type { RequestView } from '../../src/http/request-view.js'
import type { CacheEntry } from '../../src/stores/store.js'

const body = new TextEncoder().encode('<p>hello</p>')
const meta = responseMeta(200, [['content-type', 'text/html']], body, [], '')
const entry: CacheEntry = {
  meta,
  body,
  storedAt: 10_000,
  freshUntil: 70_000,
  staleUntil: 70_000,
  errorUntil: 70_000,
  tags: [],
  tagVersions: [],
}

function request(headers: Record<string, string> = {}, method = 'GET'): RequestView {
  return { method, scheme: 'http', host: 'app.test', path: '/', query: '', header: (name) => headers[name] }
}

describe('entry head', () => {
  it('hits within one second share one headers object; the next second gets its own Age', () => {
    const first = entryHead(entry, request(), hitStatus(59), 11_000)
    const second = entryHead(entry, request(), hitStatus(59), 11_900)
    expect(second.headers).toBe(first.headers)
    expect(first.headers).toMatchObject({ age: '1', 'cache-status': 'cachefront; hit; ttl=59', 'content-length': '12' })
    const later = entryHead(entry, request(), hitStatus(58), 12_000)
    expect(later.headers).not.toBe(first.headers)
    expect(later.headers).toMatchObject({ age: '2', 'cache-status': 'cachefront; hit; ttl=58' })
    expect(first.headers.age).toBe('1')
  })

  it('a 304 and a 200 of the same second keep their own headers', () => {
    const etag = entryHead(entry, request(), hitStatus(59), 11_000).ready.etag
    const notModified = entryHead(entry, request({ 'if-none-match': etag }), hitStatus(59), 11_000)
    const full = entryHead(entry, request(), hitStatus(59), 11_000)
    expect(notModified.status).toBe(304)
    expect(notModified.headers['content-type']).toBeUndefined()
    expect(notModified.headers['content-length']).toBeUndefined()
    expect(full.status).toBe(200)
    expect(full.headers['content-type']).toBe('text/html')
  })

  it("the origin's own answer has no Age, even after hits of the same second", () => {
    entryHead(entry, request(), hitStatus(59), 11_000)
    const own = entryHead(entry, request(), 'cachefront; fwd=miss; stored', 11_000, false)
    expect(own.headers.age).toBeUndefined()
    expect(own.headers['cache-status']).toBe('cachefront; fwd=miss; stored')
    expect(entryHead(entry, request(), hitStatus(59), 11_000).headers.age).toBe('1')
  })

  it("the origin's own answer as a 304 (its validator matched the client's) carries a 304's headers", () => {
    const etag = entryHead(entry, request(), hitStatus(59), 11_000).ready.etag
    const own = entryHead(entry, request({ 'if-none-match': etag }), 'cachefront; fwd=miss; stored', 11_000, false)
    expect(own.status).toBe(304)
    expect(own.headers.etag).toBe(etag)
    expect(own.headers['content-type']).toBeUndefined()
    expect(own.headers['content-length']).toBeUndefined()
    expect(own.headers.age).toBeUndefined()
  })

  it('hands Node a Buffer view of the stored body, without copying it', () => {
    const ready = entryHead(entry, request(), hitStatus(59), 11_000).ready
    expect(Buffer.isBuffer(ready.body)).toBe(true)
    expect(ready.body.buffer).toBe(body.buffer)
  })
})
