import { describe, expect, it } from 'vitest'
import { forwardStatus, hitStatus, staleHitStatus, staleOnErrorStatus } from '../../src/http/cache-status.js'
import { computeEtag, ifNoneMatchMatches, isStrongEtag } from '../../src/http/etag.js'

describe('ETags', () => {
  const body = new TextEncoder().encode('hello')

  it('are strong, and differ by status, encoding, variant and body', () => {
    const etag = computeEtag(200, '', '', body)
    expect(isStrongEtag(etag)).toBe(true)
    expect(computeEtag(200, '', '', body)).toBe(etag)
    expect(computeEtag(200, '', 'gzip', body)).not.toBe(etag)
    expect(computeEtag(200, '\naccept-language:fr', '', body)).not.toBe(etag)
    expect(computeEtag(404, '', '', body)).not.toBe(etag)
    expect(computeEtag(200, '', '', new TextEncoder().encode('hellO'))).not.toBe(etag)
  })

  it('tells strong from weak', () => {
    expect(isStrongEtag('"abc"')).toBe(true)
    expect(isStrongEtag('W/"abc"')).toBe(false)
    expect(isStrongEtag('abc')).toBe(false)
    expect(isStrongEtag(undefined)).toBe(false)
  })

  it('match If-None-Match by weak comparison (RFC 9110 §13.1.2)', () => {
    expect(ifNoneMatchMatches('"a"', '"a"')).toBe(true)
    expect(ifNoneMatchMatches('W/"a"', '"a"')).toBe(true)
    expect(ifNoneMatchMatches('"x", "a"', '"a"')).toBe(true)
    expect(ifNoneMatchMatches('*', '"a"')).toBe(true)
    expect(ifNoneMatchMatches('"b"', '"a"')).toBe(false)
    expect(ifNoneMatchMatches(undefined, '"a"')).toBe(false)
  })
})

describe('Cache-Status (RFC 9211)', () => {
  it('names the cache first and says hit or why it forwarded', () => {
    expect(hitStatus(42)).toBe('cachefront; hit; ttl=42')
    expect(staleHitStatus(-3)).toBe('cachefront; hit; ttl=-3; detail=stale-while-revalidate')
    expect(forwardStatus('miss', true)).toBe('cachefront; fwd=miss; stored')
    expect(forwardStatus('bypass', false, 'authorization')).toBe('cachefront; fwd=bypass; detail=authorization')
    expect(forwardStatus('stale', false, 'status', 503)).toBe('cachefront; fwd=stale; fwd-status=503; detail=status')
    expect(staleOnErrorStatus(500)).toBe('cachefront; fwd=stale; fwd-status=500; detail=stale-if-error')
  })
})
