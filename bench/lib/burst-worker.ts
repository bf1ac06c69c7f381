// A load generator process for the stampede: opens `count` TCP connections spread over the given
// servers, then writes one request on each in a tight loop (a prebuilt buffer per server, so the
// burst leaves in milliseconds), and prints one JSON line.
import net from 'node:net'

export interface BurstSpec {
  readonly urls: readonly string[]
  readonly path: string
  readonly count: number
  /** Sent as Host so that every server computes the same cache key. */
  readonly host: string
}

export interface BurstResult {
  readonly statuses: Record<string, number>
  readonly errors: number
  /** From the first request written to the last response read, ms. */
  readonly elapsedMs: number
  /** How long writing the whole burst took, ms. */
  readonly sendMs: number
  /** Responses by what their Cache-Status says: stored, collapsed, hit, or none. */
  readonly cacheStatuses: Record<string, number>
}

const spec = JSON.parse(process.argv[2] ?? '{}') as BurstSpec
const request = Buffer.from(`GET ${spec.path} HTTP/1.1\r\nhost: ${spec.host}\r\nconnection: close\r\n\r\n`)

function connect(url: string): Promise<net.Socket> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port) }, () => resolve(socket))
    socket.setNoDelay(true)
    socket.once('error', reject)
  })
}

function response(socket: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.once('end', () => resolve(Buffer.concat(chunks).toString('latin1')))
    socket.once('error', reject)
  })
}

// Connections first, in batches, so that listen backlogs do not spread the burst out.
const sockets: net.Socket[] = []
for (let start = 0; start < spec.count; start += 100) {
  const batch = []
  for (let i = start; i < Math.min(spec.count, start + 100); i++) batch.push(connect(spec.urls[i % spec.urls.length]!))
  sockets.push(...(await Promise.all(batch)))
}
await new Promise((resolve) => setTimeout(resolve, 300))
const answers = sockets.map(response)
const t0 = performance.now()
for (const socket of sockets) socket.write(request)
const sendMs = performance.now() - t0
const statuses: Record<string, number> = {}
const cacheStatuses: Record<string, number> = {}
let errors = 0
for (const answer of await Promise.allSettled(answers)) {
  if (answer.status === 'rejected') {
    errors++
    continue
  }
  const status = /^HTTP\/1\.1 (\d+)/.exec(answer.value)?.[1] ?? '0'
  statuses[status] = (statuses[status] ?? 0) + 1
  const cacheStatus = /\r\ncache-status: ([^\r]*)/i.exec(answer.value)?.[1] ?? ''
  const kind = /collapsed/.test(cacheStatus)
    ? 'collapsed'
    : /hit/.test(cacheStatus)
      ? 'hit'
      : /stored/.test(cacheStatus)
        ? 'stored'
        : cacheStatus || 'none'
  cacheStatuses[kind] = (cacheStatuses[kind] ?? 0) + 1
}
const result: BurstResult = { statuses, errors, elapsedMs: performance.now() - t0, sendMs, cacheStatuses }
process.stdout.write(`${JSON.stringify(result)}\n`)
