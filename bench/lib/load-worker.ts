// A load generator process: runs autocannon with the spec given as JSON in argv[2] and prints one
// JSON line with what the orchestrator needs.
import autocannon from 'autocannon'

export interface LoadSpec {
  readonly url: string
  readonly duration: number
  readonly connections: number
  readonly pipelining: number
  readonly headers?: Record<string, string>
  /** Paths cycled per connection instead of the URL's own. */
  readonly paths?: readonly string[]
  /** Requests per second over all connections (no limit when absent). */
  readonly overallRate?: number
}

export interface LoadResult {
  /** Requests per second over the whole run. */
  readonly rps: number
  readonly p50: number
  readonly p99: number
  readonly max: number
  readonly requests: number
  readonly errors: number
  readonly timeouts: number
  /** Responses by status code. */
  readonly statuses: Record<string, number>
}

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec
const result = await autocannon({
  url: spec.url,
  duration: spec.duration,
  connections: spec.connections,
  pipelining: spec.pipelining,
  headers: spec.headers ?? {},
  requests: spec.paths?.map((path) => ({ method: 'GET', path })),
  ...(spec.overallRate === undefined ? {} : { overallRate: spec.overallRate }),
})
const statuses: Record<string, number> = {}
for (const [code, stat] of Object.entries(result.statusCodeStats ?? {}))
  statuses[code] = (stat as { count: number }).count
const out: LoadResult = {
  rps: result.requests.total / (result.duration || spec.duration),
  p50: result.latency.p50,
  p99: result.latency.p99,
  max: result.latency.max,
  requests: result.requests.total,
  errors: result.errors,
  timeouts: result.timeouts,
  statuses,
}
process.stdout.write(`${JSON.stringify(out)}\n`)
