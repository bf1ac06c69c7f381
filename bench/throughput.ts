// Cache-hit throughput per framework, side by side with the framework's constant response (the
// limit) and with peers, in one run: `npm run bench:throughput`. Rounds are interleaved, each on
// fresh server processes, and each ratio is the median of per-round ratios to the same round's
// constant response.
import { ROUTES, type BodyKind } from './lib/bodies.js'
import { startServer, runLoad, type BenchServer } from './lib/proc.js'
import type { LoadResult } from './lib/load-worker.js'
import { clearRedisPrefix, processCpuSeconds, redisPid } from './lib/redis.js'
import { envList, envNumber, median } from './lib/stats.js'
import { saveResult } from './lib/results.js'
import { VARIANTS, type Framework, type Variant } from './servers/config.js'
import { missingFor } from './servers/stores.js'

const ROUNDS = envNumber('BENCH_ROUNDS', 3)
const DURATION = envNumber('BENCH_DURATION', 3)
const WARMUP = envNumber('BENCH_WARMUP', 1)
const CONNECTIONS = envNumber('BENCH_CONNECTIONS', 100)
const PIPELINING = envNumber('BENCH_PIPELINING', 10)
const FRAMEWORKS = (envList('BENCH_FRAMEWORKS') ?? ['fastify', 'hono', 'express']) as Framework[]
const BODIES = (envList('BENCH_BODIES') ?? ['html', 'json']) as BodyKind[]
const ONLY = envList('BENCH_VARIANTS')

/** One line of the table: a framework, a body, a variant (`memory-304` is a conditional hit). */
export interface ThroughputRow {
  readonly framework: Framework
  readonly body: BodyKind
  readonly variant: string
  /** Requests per second, per round. */
  readonly rps: number[]
  /** Requests per CPU-second of the server process (Redis server's CPU added for Redis variants). */
  readonly perCpu: number[]
  /** Server CPU use during the run, in cores (1 = saturated). */
  readonly busy: number[]
  readonly p99: number[]
  /** Medians of the per-round ratios to the constant response. */
  rpsRatio?: number
  perCpuRatio?: number
  readonly anomalies: string[]
}

export interface ThroughputResult {
  readonly settings: Record<string, unknown>
  readonly rows: ThroughputRow[]
  readonly skipped: { framework: Framework; variant: string; reason: string }[]
}

interface Measurement {
  readonly row: ThroughputRow
  readonly server: BenchServer
  readonly headers: Record<string, string>
  readonly expectStatus: number
}

async function preflight(server: BenchServer, body: BodyKind, variant: Variant): Promise<string | undefined> {
  const url = server.url + ROUTES[body].path
  await fetch(url).then((r) => r.arrayBuffer())
  // Redis writes are asynchronous to the miss that fills them.
  await new Promise((resolve) => setTimeout(resolve, 100))
  const response = await fetch(url)
  const bytes = (await response.arrayBuffer()).byteLength
  if (response.status !== 200) return `status ${response.status}`
  if (bytes !== ROUTES[body].bytes.byteLength)
    return `body of ${bytes} bytes, expected ${ROUTES[body].bytes.byteLength}`
  const status = response.headers.get('cache-status') ?? ''
  if (['memory', 'tiered', 'redis'].includes(variant) && !/; hit/.test(status))
    return `not a hit: cache-status ${status}`
  return undefined
}

async function measure(m: Measurement, duration: number, redis: number, record: boolean): Promise<void> {
  const cpu0 = m.server.cpuSeconds()
  const redis0 = processCpuSeconds(redis)
  const result = await runLoad<LoadResult & { duration?: number }>({
    url: m.server.url + ROUTES[m.row.body].path,
    duration,
    connections: CONNECTIONS,
    pipelining: PIPELINING,
    headers: m.headers,
  })
  const cpu = m.server.cpuSeconds() - cpu0
  const redisCpu = /tiered|redis/.test(m.row.variant) ? processCpuSeconds(redis) - redis0 : 0
  const expected = result.statuses[String(m.expectStatus)] ?? 0
  if (result.errors > 0 || expected !== result.requests)
    m.row.anomalies.push(`errors ${result.errors}, statuses ${JSON.stringify(result.statuses)}`)
  if (!record) return
  m.row.rps.push(result.rps)
  m.row.perCpu.push(result.requests / (cpu + redisCpu))
  m.row.busy.push(cpu / duration)
  m.row.p99.push(result.p99)
}

function skip(out: ThroughputResult, framework: Framework, variant: string, reason: string): void {
  out.skipped.push({ framework, variant, reason })
  console.log(`  skip ${framework}/${variant}: ${reason}`)
}

/** The variants of `framework` this checkout can run; the others are reported as skipped. */
function runnableVariants(framework: Framework, out: ThroughputResult, redis: number | undefined): Variant[] {
  const variants: Variant[] = []
  for (const variant of VARIANTS[framework]) {
    if (ONLY !== undefined && variant !== 'const' && !ONLY.includes(variant)) continue
    const missing =
      missingFor(framework, variant) ??
      (/tiered|redis/.test(variant) && redis === undefined ? 'no Redis answers at REDIS_URL' : undefined)
    if (missing === undefined) variants.push(variant)
    else {
      skip(out, framework, variant, missing)
    }
  }
  return variants
}

/** The rows of one framework, one per body and variant, kept across rounds. */
class RowBook {
  readonly rows = new Map<string, ThroughputRow>()
  private readonly dropped = new Set<string>()
  constructor(private readonly framework: Framework) {}

  /** The row, or `undefined` once dropped. */
  get(body: BodyKind, variant: string): ThroughputRow | undefined {
    const key = `${body}/${variant}`
    if (this.dropped.has(key)) return undefined
    if (!this.rows.has(key)) this.rows.set(key, newRow(this.framework, body, variant))
    return this.rows.get(key)
  }

  drop(body: BodyKind, variant: string): void {
    this.dropped.add(`${body}/${variant}`)
    this.rows.delete(`${body}/${variant}`)
  }
}

/**
 * This round's measurements on fresh servers. A variant whose server or preflight fails in the
 * first round is skipped for good; in a later round it fails the run (its rounds would no longer
 * pair with the constant's).
 */
async function planRound(
  framework: Framework,
  variants: Variant[],
  servers: Map<Variant, BenchServer>,
  book: RowBook,
  out: ThroughputResult,
  firstRound: boolean,
): Promise<Measurement[]> {
  const plan: Measurement[] = []
  for (const variant of [...variants]) {
    try {
      servers.set(variant, await startServer({ framework, variant, redisPrefix: `cfbench:${framework}:${variant}:` }))
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      if (!firstRound) throw new Error(`${framework}/${variant}: ${reason}`)
      skip(out, framework, variant, reason)
      variants.splice(variants.indexOf(variant), 1)
    }
  }
  for (const body of BODIES) {
    for (const [variant, server] of servers) {
      const row = book.get(body, variant)
      if (row === undefined) continue
      const problem = await preflight(server, body, variant)
      if (problem !== undefined) {
        if (!firstRound) throw new Error(`${framework}/${variant}/${body}: preflight: ${problem}`)
        skip(out, framework, `${variant} (${body})`, `preflight: ${problem}`)
        book.drop(body, variant)
        continue
      }
      plan.push({ row, server, headers: {}, expectStatus: 200 })
      if (variant === 'memory') {
        const etag = (await fetch(server.url + ROUTES[body].path)).headers.get('etag') ?? ''
        plan.push({ row: book.get(body, 'memory-304')!, server, headers: { 'if-none-match': etag }, expectStatus: 304 })
      }
    }
  }
  return plan
}

async function benchFramework(framework: Framework, out: ThroughputResult, redis: number | undefined): Promise<void> {
  const variants = runnableVariants(framework, out, redis)
  const book = new RowBook(framework)
  for (let round = 0; round < ROUNDS; round++) {
    // Fresh server processes every round: two processes of the same code differ by up to ~15% in
    // CPU per request (JIT decisions, heap layout; measured: a no-op middleware in front of the
    // constant response scoring 1.15 of it), which one process per variant would bake into every
    // round's ratio alike. Started anew, that difference is noise the median sees through.
    const servers = new Map<Variant, BenchServer>()
    try {
      const plan = await planRound(framework, variants, servers, book, out, round === 0)
      for (const m of plan) await measure(m, WARMUP, redis ?? 0, false)
      // Rotate the order each round so that no variant always runs first or last.
      const shift = (round * Math.max(1, Math.floor(plan.length / ROUNDS))) % plan.length
      for (const m of [...plan.slice(shift), ...plan.slice(0, shift)]) {
        await measure(m, DURATION, redis ?? 0, true)
        const last = m.row.rps.length - 1
        console.log(
          `  ${framework.padEnd(7)} ${m.row.body.padEnd(4)} ${m.row.variant.padEnd(18)} round ${round + 1}: ` +
            `${Math.round(m.row.rps[last]!)} req/s, ${Math.round(m.row.perCpu[last]!)} req/CPU-s, server busy ${m.row.busy[last]!.toFixed(2)}`,
        )
      }
    } finally {
      await Promise.all([...servers.values()].map((server) => server.stop()))
    }
  }
  for (const body of BODIES) {
    const bodyRows = [...book.rows.values()].filter((row) => row.body === body && row.rps.length > 0)
    const base = bodyRows.find((row) => row.variant === 'const')
    for (const row of bodyRows) {
      if (base) {
        row.rpsRatio = median(row.rps.map((v, i) => v / base.rps[i]!))
        row.perCpuRatio = median(row.perCpu.map((v, i) => v / base.perCpu[i]!))
      }
      out.rows.push(row)
    }
  }
}

function newRow(framework: Framework, body: BodyKind, variant: string): ThroughputRow {
  return { framework, body, variant, rps: [], perCpu: [], busy: [], p99: [], anomalies: [] }
}

export async function runThroughput(): Promise<ThroughputResult> {
  const redis = await redisPid()
  const out: ThroughputResult = {
    settings: { rounds: ROUNDS, duration: DURATION, warmup: WARMUP, connections: CONNECTIONS, pipelining: PIPELINING },
    rows: [],
    skipped: [],
  }
  console.log(
    `throughput: ${ROUNDS} rounds × ${DURATION} s per variant, ${CONNECTIONS} connections × ${PIPELINING} pipelined`,
  )
  try {
    for (const framework of FRAMEWORKS) await benchFramework(framework, out, redis)
  } finally {
    await clearRedisPrefix()
  }
  return out
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await runThroughput()
  await saveResult('throughput', result)
}
