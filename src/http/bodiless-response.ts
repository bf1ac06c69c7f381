// A Response without a body (a 304, the answer to a HEAD) that @hono/node-server writes as fast as
// one with a body.
//
// @hono/node-server puts a lightweight Response class in place of the global one. It writes such a
// response straight to Node when the response holds a record [status, body, headers] under a
// private symbol, which its constructor sets only for a string or byte body. A Response without a
// body takes its slow path instead: a real Response is built and its Headers converted back for
// Node, per answer (a Hono 304 hit cost more than a 4 KB 200 hit, measured). Here the record is set
// by hand, with an empty body: Node writes no body for a 304 or a HEAD. The Response itself still
// has no body, so middleware that reads it sees what it would anyway. Anywhere else (another
// runtime, another server) this is a plain `new Response(null, …)`.

type HeaderRecord = Readonly<Record<string, string>>

// Node writes one header line per item of an array value, so none for an empty one. A 304 must not
// claim a length other than its 200's (RFC 9110 §8.6), and @hono/node-server adds
// `Content-Length: 0` to a record without one: this key stops it, and Node writes nothing.
const NO_HEADER_LINE: readonly string[] = []

// One record per headers object: those are shared by the answers of an entry within a second.
const notModifiedRecords = new WeakMap<HeaderRecord, Record<string, string | readonly string[]>>()

type NotModifiedClass = new (headers: HeaderRecord, record: readonly unknown[]) => Response

let probed: unknown
let fastPath: { readonly key: symbol; readonly NotModified: NotModifiedClass } | undefined

export function bodilessResponse(status: number, headers: HeaderRecord): Response {
  const fast = fastPathFor(globalThis.Response)
  if (fast === undefined) return new Response(null, { status, headers })
  if (status !== 304) {
    // A HEAD answer: its record carries the GET's Content-Length (RFC 9110 §9.3.2).
    const response = new Response(null, { status, headers })
    ;(response as unknown as Record<symbol, unknown>)[fast.key] = [status, '', headers]
    return response
  }
  let record = notModifiedRecords.get(headers)
  if (record === undefined) {
    record = { ...headers, 'content-length': NO_HEADER_LINE }
    notModifiedRecords.set(headers, record)
  }
  return new fast.NotModified(headers, [304, '', record])
}

function fastPathFor(ResponseClass: typeof Response): typeof fastPath {
  if (probed !== ResponseClass) {
    probed = ResponseClass
    const key = findRecordKey(ResponseClass)
    fastPath = key === undefined ? undefined : { key, NotModified: notModifiedClass(ResponseClass, key) }
  }
  return fastPath
}

// A 304 whose record is for Node's eyes only: whoever reads its headers gets those of the real
// Response, built from `headers`, and the server then writes that Response (its slow path).
function notModifiedClass(Base: typeof Response, key: symbol): NotModifiedClass {
  const baseHeaders = Object.getOwnPropertyDescriptor(Base.prototype, 'headers')?.get
  return class NotModifiedResponse extends Base {
    constructor(headers: HeaderRecord, record: readonly unknown[]) {
      super(null, { status: 304, headers })
      ;(this as unknown as Record<symbol, unknown>)[key] = record
    }

    override get headers(): Headers {
      delete (this as unknown as Record<symbol, unknown>)[key]
      return baseHeaders!.call(this) as Headers
    }
  }
}

// The symbol is not exported: it is found on a probe whose record must read [299, 'probe', init.headers].
function findRecordKey(ResponseClass: typeof Response): symbol | undefined {
  try {
    if (typeof Object.getOwnPropertyDescriptor(ResponseClass.prototype, 'headers')?.get !== 'function') return undefined
    const init = { status: 299, headers: {} }
    const probe = new ResponseClass('probe', init) as unknown as Record<symbol, unknown>
    for (const symbol of Object.getOwnPropertySymbols(probe)) {
      const record = probe[symbol]
      if (Array.isArray(record) && record.length === 3 && record[0] === 299 && record[1] === 'probe')
        return record[2] === init.headers ? symbol : undefined
    }
  } catch {
    // Not a Response class we know: the plain path.
  }
  return undefined
}
