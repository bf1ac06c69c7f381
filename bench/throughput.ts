// Cache-hit throughput per framework, side by side with the framework's constant response (the
// limit) and with peers, in one run: `npm run bench:throughput`. Rounds are interleaved, and each
// ratio is the median of per-round ratios to the constant response.
//
// Paired (the default): each variant is loaded at the same time as the constant response, both
// servers on the server CPU and both load generators on the load CPU, so that both see the same
// machine. On a shared box whose speed swings by a third from one second to the next, ratios of
// runs taken seconds apart moved by ±10% per round; paired, by a few percent. BENCH_PAIRED=0
// measures one server at a time instead.
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
const PAIRED = process.env.BENCH_PAIRED !== '0'

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
  /** Paired runs: the constant response's figures measured at the same time, per round. */
  readonly baseRps: number[]
  readonly basePerCpu: number[]
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

interface Sample {
  readonly result: LoadResult
  readonly rps: number
  readonly perCpu: number
  readonly busy: number
}

/** Loads `m` (and, when given, `base` at the same time) for `duration` seconds. */
async function measure(
  m: Measurement,
  base: Measurement | undefined,
  duration: number,
  redis: number,
  record: boolean,
): Promise<void> {
  const cpu0 = m.server.cpuSeconds()
  const baseCpu0 = base?.server.cpuSeconds() ?? 0
  const redis0 = processCpuSeconds(redis)
  const [result, baseResult] = await Promise.all([load(m, duration), base && load(base, duration)])
  const cpu = m.server.cpuSeconds() - cpu0
  const redisCpu = /tiered|redis/.test(m.row.variant) ? processCpuSeconds(redis) - redis0 : 0
  const sample = check(m, result, cpu + redisCpu, duration)
  const baseSample = base && baseResult && check(base, baseResult, base.server.cpuSeconds() - baseCpu0, duration)
  if (!record) return
  m.row.rps.push(sample.rps)
  m.row.perCpu.push(sample.perCpu)
  m.row.busy.push(sample.busy)
  m.row.p99.push(result.p99)
  if (base && baseSample) {
    m.row.baseRps.push(baseSample.rps)
    m.row.basePerCpu.push(baseSample.perCpu)
    // The constant response's own figures: every run it was paired in.
    base.row.rps.push(baseSample.rps)
    base.row.perCpu.push(baseSample.perCpu)
    base.row.busy.push(baseSample.busy)
    base.row.p99.push(baseSample.result.p99)
  }
}

function load(m: Measurement, duration: number): Promise<LoadResult> {
  return runLoad<LoadResult>({
    url: m.server.url + ROUTES[m.row.body].path,
    duration,
    connections: CONNECTIONS,
    pipelining: PIPELINING,
    headers: m.headers,
  })
}

function check(m: Measurement, result: LoadResult, cpu: number, duration: number): Sample {
  const expected = result.statuses[String(m.expectStatus)] ?? 0
  if (result.errors > 0 || expected !== result.requests)
    m.row.anomalies.push(`errors ${result.errors}, statuses ${JSON.stringify(result.statuses)}`)
  return { result, rps: result.rps, perCpu: result.requests / cpu, busy: cpu / duration }
}

async function benchFramework(framework: Framework, out: ThroughputResult, redis: number | undefined): Promise<void> {
  const servers = new Map<Variant, BenchServer>()
  try {
    for (const variant of VARIANTS[framework]) {
      if (ONLY !== undefined && variant !== 'const' && !ONLY.includes(variant)) continue
      const missing =
        missingFor(framework, variant) ??
        (/tiered|redis/.test(variant) && redis === undefined ? 'no Redis answers at REDIS_URL' : undefined)
      if (missing !== undefined) {
        out.skipped.push({ framework, variant, reason: missing })
        console.log(`  skip ${framework}/${variant}: ${missing}`)
        continue
      }
      try {
        servers.set(variant, await startServer({ framework, variant, redisPrefix: `cfbench:${framework}:${variant}:` }))
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error)
        out.skipped.push({ framework, variant, reason })
        console.log(`  skip ${framework}/${variant}: ${reason}`)
      }
    }
    const plan: Measurement[] = []
    for (const body of BODIES) {
      for (const [variant, server] of servers) {
        const problem = await preflight(server, body, variant)
        if (problem !== undefined) {
          out.skipped.push({ framework, variant: `${variant} (${body})`, reason: `preflight: ${problem}` })
          console.log(`  skip ${framework}/${variant}/${body}: ${problem}`)
          continue
        }
        const row = newRow(framework, body, variant)
        plan.push({ row, server, headers: {}, expectStatus: 200 })
        if (variant === 'memory') {
          const etag = (await fetch(server.url + ROUTES[body].path)).headers.get('etag') ?? ''
          plan.push({
            row: newRow(framework, body, 'memory-304'),
            server,
            headers: { 'if-none-match': etag },
            expectStatus: 304,
          })
        }
      }
    }
    // Paired: every variant runs beside its body's constant response, which is not measured alone.
    const baseOf = (m: Measurement): Measurement | undefined =>
      PAIRED ? plan.find((other) => other.row.variant === 'const' && other.row.body === m.row.body) : undefined
    const measured = PAIRED ? plan.filter((m) => m.row.variant !== 'const') : plan
    for (const m of measured) await measure(m, baseOf(m), WARMUP, redis ?? 0, false)
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the order each round so that no variant always runs first or last.
      const shift = (round * Math.max(1, Math.floor(measured.length / ROUNDS))) % measured.length
      const order = [...measured.slice(shift), ...measured.slice(0, shift)]
      for (const m of order) {
        const base = baseOf(m)
        await measure(m, base, DURATION, redis ?? 0, true)
        const last = m.row.rps.length - 1
        const beside = base ? ` (const beside it: ${Math.round(m.row.basePerCpu[last]!)} req/CPU-s)` : ''
        console.log(
          `  ${framework.padEnd(7)} ${m.row.body.padEnd(4)} ${m.row.variant.padEnd(18)} round ${round + 1}: ` +
            `${Math.round(m.row.rps[last]!)} req/s, ${Math.round(m.row.perCpu[last]!)} req/CPU-s, server busy ${m.row.busy[last]!.toFixed(2)}${beside}`,
        )
      }
    }
    for (const body of BODIES) {
      const rows = plan.map((m) => m.row).filter((row, i, all) => row.body === body && all.indexOf(row) === i)
      const base = rows.find((row) => row.variant === 'const')
      for (const row of rows) {
        if (PAIRED && row !== base) {
          row.rpsRatio = median(row.rps.map((v, i) => v / row.baseRps[i]!))
          row.perCpuRatio = median(row.perCpu.map((v, i) => v / row.basePerCpu[i]!))
        } else if (base) {
          row.rpsRatio = median(row.rps.map((v, i) => v / base.rps[i]!))
          row.perCpuRatio = median(row.perCpu.map((v, i) => v / base.perCpu[i]!))
        }
        out.rows.push(row)
      }
      if (PAIRED && base) {
        base.rpsRatio = 1
        base.perCpuRatio = 1
      }
    }
  } finally {
    await Promise.all([...servers.values()].map((server) => server.stop()))
  }
}

function newRow(framework: Framework, body: BodyKind, variant: string): ThroughputRow {
  return {
    framework,
    body,
    variant,
    rps: [],
    perCpu: [],
    busy: [],
    p99: [],
    baseRps: [],
    basePerCpu: [],
    anomalies: [],
  }
}

export async function runThroughput(): Promise<ThroughputResult> {
  const redis = await redisPid()
  const out: ThroughputResult = {
    settings: {
      rounds: ROUNDS,
      duration: DURATION,
      warmup: WARMUP,
      connections: CONNECTIONS,
      pipelining: PIPELINING,
      paired: PAIRED,
    },
    rows: [],
    skipped: [],
  }
  console.log(
    `throughput: ${ROUNDS} rounds × ${DURATION} s per variant, ${CONNECTIONS} connections × ${PIPELINING} pipelined` +
      (PAIRED ? ', each beside the constant response' : ', one server at a time'),
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
