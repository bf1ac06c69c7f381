// The request view of the Web adapters (Hono, fetch), with a shortcut for @hono/node-server: it
// hands handlers Node's own request beside the Web one (`env.incoming`), and Node's parsed headers
// are read there, where `request.headers` would build a Headers from them on first use, per
// request (a fifth of a Hono hit's CPU, measured).
import { ANY_HEADERS, scanAllNodeHeaders, type HeaderTable } from './header-scan.js'
import { requestHeader, type NodeRequestHeaders } from './node-headers.js'
import { splitUrl, type JoinedRequestView } from './request-view.js'

/** Node's request behind a Web one, as @hono/node-server passes it (`env.incoming`). */
interface NodeIncoming {
  readonly headers: NodeRequestHeaders
  readonly rawHeaders: readonly string[]
  readonly url: string
}

/**
 * A Web request as the flow reads it. `env`: what the server passed the handler beside the request
 * (Hono's `c.env`, a fetch handler's second argument); Node's headers are used when it holds them
 * and they are the request's own.
 */
export abstract class WebRequestView implements JoinedRequestView {
  readonly method: string
  readonly scheme: string
  readonly host: string
  readonly path: string
  readonly query: string
  readonly hostAndPath: string | undefined
  /** The header groups the request has (header-scan.ts), for `route`'s header table. */
  readonly present: number
  /** Node's parsed headers when they are the whole of this request's; otherwise `undefined`. */
  readonly #nodeHeaders: NodeRequestHeaders | undefined

  constructor(request: Request, env: unknown, table: HeaderTable) {
    const { scheme, host, path, query, hostAndPath } = splitUrl(request.url)
    const incoming = ownIncoming(request, env)
    this.method = request.method
    this.scheme = scheme
    this.host = host
    // node-server takes an absolute-form target's host (`GET http://app.test/p`) for the URL and
    // leaves the Host header (`evil.test`) to handlers that read it: the key cannot follow both,
    // so such a request keeps its raw target as the path, which bypasses (policy.ts).
    const originForm = incoming === undefined || incoming.url.charCodeAt(0) === 47
    this.path = originForm ? path : incoming.url
    this.query = query
    this.hostAndPath = originForm ? hostAndPath : undefined
    const present =
      incoming === undefined ? undefined : scanAllNodeHeaders(incoming.headers, incoming.rawHeaders, table)
    this.present = present ?? ANY_HEADERS
    this.#nodeHeaders = present === undefined ? undefined : incoming!.headers
  }

  // With one line per name (scanAllNodeHeaders), Node's value is the line's, as the Web Headers'
  // is. Repeated names are read from the Web Headers: Node keeps only the first of some (two
  // User-Agent lines would key as the first while the handler answered for both).
  header(name: string): string | undefined {
    if (this.#nodeHeaders !== undefined) return requestHeader(this.#nodeHeaders, name)
    return this.webHeaders().get(name) ?? undefined
  }

  /** The Web request's headers, read only for what Node's cannot answer. */
  protected abstract webHeaders(): Headers
}

// node-server's Request holds its Node request under a symbol of its own, not exported: found on
// the first request that carries it, then read per request.
let incomingKey: symbol | undefined

/**
 * `env.incoming` when `request` is node-server's own Request for it. A Request built from it (a
 * wrapper or middleware that adds or drops headers, then passes `env` on) has headers of its own,
 * which Node's would misreport: the Web headers are read for it.
 */
function ownIncoming(request: Request, env: unknown): NodeIncoming | undefined {
  const incoming = nodeIncoming(env)
  if (incoming === undefined) return undefined
  const fields = request as unknown as Record<symbol, unknown>
  if (incomingKey === undefined) incomingKey = Object.getOwnPropertySymbols(request).find((s) => fields[s] === incoming)
  return incomingKey !== undefined && fields[incomingKey] === incoming ? incoming : undefined
}

function nodeIncoming(env: unknown): NodeIncoming | undefined {
  if (typeof env !== 'object' || env === null) return undefined
  const incoming = (env as { incoming?: unknown }).incoming
  if (typeof incoming !== 'object' || incoming === null) return undefined
  const { headers, rawHeaders, httpVersion, url } = incoming as Record<string, unknown>
  return typeof headers === 'object' &&
    headers !== null &&
    Array.isArray(rawHeaders) &&
    typeof httpVersion === 'string' &&
    typeof url === 'string'
    ? (incoming as NodeIncoming)
    : undefined
}
