import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { baseKey, normalizeQuery, parseVary, variantOf } from '../../src/http/key.js'
import { splitTarget, splitUrl, type RequestView } from '../../src/http/request-view.js'

function view(url: string, headers: Record<string, string> = {}): RequestView {
  return { method: 'GET', ...splitUrl(url), header: (name) => headers[name] }
}

describe('splitUrl', () => {
  it.each([
    ['http://App.test:8080/a/b?x=1#frag', { scheme: 'http', host: 'app.test:8080', path: '/a/b', query: 'x=1#frag' }],
    ['http://app.test', { scheme: 'http', host: 'app.test', path: '/', query: '' }],
    ['http://ÄPP.test/', { scheme: 'http', host: 'äpp.test', path: '/', query: '' }],
    ['http://app.TEST/', { scheme: 'http', host: 'app.test', path: '/', query: '' }],
    ['http://app.test?x=1', { scheme: 'http', host: 'app.test', path: '/', query: 'x=1' }],
    ['/relative/path?q', { scheme: '', host: '', path: '/relative/path', query: 'q' }],
    ['http://app.test/%2F..%2fme;x.css', { scheme: 'http', host: 'app.test', path: '/%2F..%2fme;x.css', query: '' }],
    ['HTTPS://app.test#top', { scheme: 'https', host: 'app.test', path: '#top', query: '' }],
    ['/a?next=http://evil.test/b', { scheme: '', host: '', path: '/a', query: 'next=http://evil.test/b' }],
    ['/go/http://evil.test/b?x', { scheme: '', host: '', path: '/go/http://evil.test/b', query: 'x' }],
    ['/p#x://evil.test/b', { scheme: '', host: '', path: '/p#x://evil.test/b', query: '' }],
    ['a\x10://evil.test/b', { scheme: '', host: '', path: 'a\x10://evil.test/b', query: '' }],
    ['wss://app.test/live', { scheme: 'wss', host: 'app.test', path: '/live', query: '' }],
  ])('splits %s', (url, parts) => {
    const { hostAndPath, ...split } = splitUrl(url)
    expect(split).toEqual(parts)
    expect(hostAndPath === undefined || hostAndPath === parts.host + parts.path).toBe(true)
  })
})

describe('splitUrl hostAndPath', () => {
  it.each([
    ['http://a.test/p', 'a.test/p'],
    ['https://a.test:8443/p/q.html', 'a.test:8443/p/q.html'],
    ['http://App.test/p', undefined],
    ['http://a.test', undefined],
    ['http://a.test/p?x=1', undefined],
    ['/relative/path', undefined],
  ])('%s: %s', (url, joined) => {
    expect(splitUrl(url).hostAndPath).toBe(joined)
  })

  it('is host + path whenever present, so a key from it is the key from the parts', () => {
    fc.assert(
      fc.property(fc.oneof(fc.webUrl({ withQueryParameters: true, withFragments: true }), fc.string()), (url) => {
        const parts = splitUrl(url)
        if (parts.hostAndPath !== undefined) expect(parts.hostAndPath).toBe(parts.host + parts.path)
        expect(baseKey(view(url))).toBe(baseKey({ ...view(url), hostAndPath: undefined } as RequestView))
      }),
    )
  })
})

describe('splitTarget', () => {
  it.each([
    ['/a/b?x=1', { path: '/a/b', query: 'x=1' }],
    ['/a?next=http://evil.test/b', { path: '/a', query: 'next=http://evil.test/b' }],
    // Not origin-form: the whole text is the path, which bypasses the cache (policy).
    ['http://evil.test/b?x', { path: 'http://evil.test/b', query: 'x' }],
    ['*', { path: '*', query: '' }],
  ])('splits %s', (target, parts) => {
    expect(splitTarget(target)).toEqual(parts)
  })
})

describe('normalizeQuery', () => {
  it('sorts parameter names and keeps the order of repeated values', () => {
    expect(normalizeQuery('b=2&a=1')).toBe(normalizeQuery('a=1&b=2'))
    expect(normalizeQuery('a=1&a=2')).not.toBe(normalizeQuery('a=2&a=1'))
  })

  it('keys a query with a malformed or non-UTF-8 escape as sent', () => {
    // Fastify and Hono hand these to the handler raw: they must not share a key.
    expect(normalizeQuery('q=%fe')).not.toBe(normalizeQuery('q=%ff'))
    expect(normalizeQuery('q=%fe')).not.toBe(normalizeQuery('q=%EF%BF%BD'))
    expect(normalizeQuery('q=%%41')).not.toBe(normalizeQuery('q=%25A'))
    expect(normalizeQuery('b=%fe&a=1')).toBe('b=%fe&a=1')
  })

  it('sorts a bracketed parameter with its plain name, keeping their order (qs arrays)', () => {
    expect(normalizeQuery('a=1&a[]=2')).not.toBe(normalizeQuery('a[]=2&a=1'))
    expect(normalizeQuery('b=1&a[x]=2')).toBe(normalizeQuery('a[x]=2&b=1'))
    expect(normalizeQuery('a%5B%5D=2&a=1')).toBe(normalizeQuery('a[]=2&a=1'))
    // qs reads `[a]` as `a`: such a query keeps its order.
    expect(normalizeQuery('[a]=1&a=2')).not.toBe(normalizeQuery('a=2&[a]=1'))
  })

  it('keys a query holding a fragment as sent', () => {
    expect(normalizeQuery('x=1#y')).not.toBe(normalizeQuery('x=1%23y'))
    expect(normalizeQuery('x=1#y')).not.toBe(normalizeQuery('x=1'))
  })

  it('encodes equivalent spellings alike and keeps separators apart', () => {
    expect(normalizeQuery('a=%41')).toBe(normalizeQuery('a=A'))
    expect(normalizeQuery('a=1;b=2')).not.toBe(normalizeQuery('a=1&b=2'))
    expect(normalizeQuery('a=1%26b=2')).not.toBe(normalizeQuery('a=1&b=2'))
  })
})

describe('keys', () => {
  it('keep schemes apart, with http keys bare', () => {
    expect(baseKey(view('http://a.test/p'))).toBe('a.test/p')
    expect(baseKey(view('https://a.test/p'))).not.toBe(baseKey(view('http://a.test/p')))
    // A Host header naming the scheme cannot reach an https key: no host holds a line break.
    expect(baseKey(view('https://a.test/p'))).toBe('https\na.test/p')
  })

  it('include host and raw path, and are shared by GET and HEAD', () => {
    expect(baseKey(view('http://a.test/p?b=1&a=2'))).toBe(baseKey(view('http://a.test/p?a=2&b=1')))
    expect(baseKey(view('http://a.test/p'))).not.toBe(baseKey(view('http://b.test/p')))
    expect(baseKey(view('http://a.test/P'))).not.toBe(baseKey(view('http://a.test/p')))
    expect(baseKey({ ...view('http://a.test/p'), method: 'HEAD' })).toBe(baseKey(view('http://a.test/p')))
  })

  it('split by the values of the named headers, ignoring list whitespace', () => {
    const names = ['accept-encoding', 'accept-language']
    const a = variantOf(view('/', { 'accept-language': 'fr', 'accept-encoding': 'gzip, br' }), names)
    const b = variantOf(view('/', { 'accept-language': 'fr', 'accept-encoding': 'gzip,br' }), names)
    const c = variantOf(view('/', { 'accept-language': 'de', 'accept-encoding': 'gzip,br' }), names)
    expect(a).toBe(b)
    expect(a).not.toBe(c)
  })
})

describe('parseVary', () => {
  it.each([
    [undefined, []],
    ['', []],
    ['Accept-Encoding, accept-language', ['accept-encoding', 'accept-language']],
    ['accept-language,Accept-Encoding,accept-language', ['accept-encoding', 'accept-language']],
    ['accept, *', ['*']],
  ])('reads %j', (header, names) => {
    expect(parseVary(header)).toEqual(names)
  })
})
