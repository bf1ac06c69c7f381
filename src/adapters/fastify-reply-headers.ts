// The headers a hit goes out with on Fastify: the stored record, plus whatever headers the hooks
// before the cache set on the reply (CORS, security headers). Fastify keeps those in a per-reply
// object under a private symbol, looked up by its description once: reading it tells an empty
// reply (nearly every hit) without `reply.getHeaders()`, which builds a merged copy per call.
// Where a Fastify version lacks it, `getHeaders()` is read instead.
import type { FastifyReply } from 'fastify'

// Fastify's lib/symbols.js: `kReplyHeaders: Symbol('fastify.reply.headers')`.
const HEADERS_DESCRIPTION = 'fastify.reply.headers'

/** Headers as Fastify holds them: lower-case names, repeated ones as arrays. */
export type ReplyHeaders = Record<string, number | string | string[] | undefined>

type HeaderSlots = Record<symbol, ReplyHeaders | undefined>

/** The symbol of Fastify's per-reply header object; `null` when this Fastify has none. */
let headersSlot: symbol | null | undefined

export function replyHeadersSlot(reply: FastifyReply): symbol | null {
  if (headersSlot === undefined) {
    const slots = reply as unknown as HeaderSlots
    headersSlot =
      Object.getOwnPropertySymbols(reply).find(
        (symbol) => symbol.description === HEADERS_DESCRIPTION && isPlainRecord(slots[symbol]),
      ) ?? null
  }
  return headersSlot
}

/**
 * `headers` (lower-case names) over the headers set on `reply` so far: `headers` itself when
 * there are none, never changed (it is shared by other answers of the entry).
 */
export function hitHeaders(reply: FastifyReply, headers: Readonly<Record<string, string>>): ReplyHeaders {
  const slot = replyHeadersSlot(reply)
  const earlier: ReplyHeaders | undefined = slot === null ? reply.getHeaders() : (reply as unknown as HeaderSlots)[slot]
  if (earlier === undefined || isEmpty(earlier)) return headers
  return { ...earlier, ...headers }
}

function isPlainRecord(value: unknown): value is ReplyHeaders {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype
}

function isEmpty(record: ReplyHeaders): boolean {
  for (const name in record) if (Object.hasOwn(record, name)) return false
  return true
}
