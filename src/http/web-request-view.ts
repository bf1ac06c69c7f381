// The request view of the Web adapters (Hono, fetch), with a shortcut for @hono/node-server: it
// hands handlers Node's own request beside the Web one (`env.incoming`), and Node's parsed headers
// are read there, where `request.headers` would build a Headers from them on first use, per
// request (a fifth of a Hono hit's CPU, measured).
import { ANY_HEADERS, scanNodeHeaders, type HeaderTable } from './header-scan.js'
import { requestHeader, type NodeRequestHeaders } from './node-headers.js'
import { splitUrl, type JoinedRequestView } from './request-view.js'

// Node keeps only the first of these when a request repeats them, where @hono/node-server's Headers
// (what the handler reads) joins them all: two User-Agent lines would key as the first alone while
// the handler answered for both. These are read from the Headers, as the handler reads them.
const NODE_KEEPS_FIRST = new Set([
  'age',
  'authorization',
  'content-length',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
])

/** Node's request behind a Web one, as @hono/node-server passes it (`env.incoming`). */
interface NodeIncoming {
  readonly headers: NodeRequestHeaders
  readonly url: string
}

/**
 * A Web request as the flow reads it. `env`: what the server passed the handler beside the request
 * (Hono's `c.env`, a fetch handler's second argument); Node's headers are used when it holds them.
 */
export abstract class WebRequestView implements JoinedRequestView {
  readonly method: string
  readonly scheme: string
  readonly host: string
  readonly path: string
  readonly query: string
  readonly hostAndPath: string | undefined
  /** Node's parsed headers on @hono/node-server; `undefined` on other runtimes. */
  readonly nodeHeaders: NodeRequestHeaders | undefined

  constructor(method: string, url: string, env: unknown) {
    const { scheme, host, path, query, hostAndPath } = splitUrl(url)
    const incoming = nodeIncoming(env)
    this.method = method
    this.scheme = scheme
    this.host = host
    // node-server takes an absolute-form target's host (`GET http://app.test/p`) for the URL and
    // leaves the Host header (`evil.test`) to handlers that read it: the key cannot follow both,
    // so such a request keeps its raw target as the path, which bypasses (policy.ts).
    const originForm = incoming === undefined || incoming.url.charCodeAt(0) === 47
    this.path = originForm ? path : incoming.url
    this.query = query
    this.hostAndPath = originForm ? hostAndPath : undefined
    this.nodeHeaders = incoming?.headers
  }

  /** The header groups the request has (header-scan.ts): any, unless Node's headers can be listed. */
  presentIn(table: HeaderTable): number {
    return this.nodeHeaders === undefined ? ANY_HEADERS : scanNodeHeaders(this.nodeHeaders, table)
  }

  header(name: string): string | undefined {
    if (this.nodeHeaders !== undefined && !NODE_KEEPS_FIRST.has(name)) return requestHeader(this.nodeHeaders, name)
    return this.webHeaders().get(name) ?? undefined
  }

  /** The Web request's headers, read only for what Node's cannot answer. */
  protected abstract webHeaders(): Headers
}

function nodeIncoming(env: unknown): NodeIncoming | undefined {
  if (typeof env !== 'object' || env === null) return undefined
  const incoming = (env as { incoming?: unknown }).incoming
  if (typeof incoming !== 'object' || incoming === null) return undefined
  const { headers, httpVersion, url } = incoming as { headers?: unknown; httpVersion?: unknown; url?: unknown }
  return typeof headers === 'object' && headers !== null && typeof httpVersion === 'string' && typeof url === 'string'
    ? (incoming as NodeIncoming)
    : undefined
}
