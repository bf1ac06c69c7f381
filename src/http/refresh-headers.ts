// What a background refresh must not carry of the request that triggered it.

// Conditional and range headers are the client's own: a refresh asks for the whole response, so
// that what it stores can answer everyone (RFC 9110 §13.2.1).
export const NOT_FOR_REFRESH: ReadonlySet<string> = new Set([
  'if-none-match',
  'if-modified-since',
  'if-match',
  'if-unmodified-since',
  'if-range',
  'range',
])

/** A GET of the same URL with the client's headers, less its conditionals and range. */
export function webRefreshRequest(request: Request): Request {
  const headers = new Headers(request.headers)
  for (const name of NOT_FOR_REFRESH) headers.delete(name)
  return new Request(request.url, { method: 'GET', headers })
}
