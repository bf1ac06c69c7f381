// Cache-hit throughput per framework, side by side with the framework's constant response (the
// limit) and with peers, in one run: `npm run bench:throughput`. Every window loads a variant and
// the constant response at the same time, on the same server CPU: the ratio of one window compares
// two servers under the same machine state. Rounds are interleaved, each on fresh server
// processes, and each ratio is the median of the per-window ratios.
import { ROUTES, type BodyKind } from './lib/bodies.js'
import { startServer, runLoad, type BenchServer } from './lib/proc.js'
import type { LoadResult } from './lib/load-worker.js'
import { clearRedisPrefix, processCpuSeconds, redisPid } from './lib/redis.js'
import { envList, envNumber, median } from './lib/stats.js'
import { loadResult, saveResult, type Saved } from './lib/results.js'
import { VARIANTS, type Framework, type Variant } from './servers/config.js'
import { missingFor } from './servers/stores.js'
import { isSlowTickRatio, tickRatio } from './lib/tick-state.js'

const ROUNDS = envNumber('BENCH_ROUNDS', 3)
const DURATION = envNumber('BENCH_DURATION', 3)
const WARMUP = envNumber('BENCH_WARMUP', 1)
const CONNECTIONS = envNumber('BENCH_CONNECTIONS', 100)
const PIPELINING = envNumber('BENCH_PIPELINING', 10)
const FRAMEWORKS = (envList('BENCH_FRAMEWORKS') ?? ['fastify', 'hono', 'express']) as Framework[]
const BODIES = (envList('BENCH_BODIES') ?? ['html', 'json']) as BodyKind[]
const ONLY = envList('BENCH_VARIANTS')
/** How many times a pair with a process in the slow state (tick-state.ts) is replaced by a fresh one. */
const SLOW_RETRIES = envNumber('BENCH_SLOW_RETRIES', 3)
/** How many constant-response processes may be started, one after another, to get a healthy one (see planVariant). */
const CONST_STARTS = envNumber('BENCH_CONST_STARTS', 40)

/** One line of the table: a framework, a body, a variant (`memory-304` is a conditional hit). */
export interface ThroughputRow {
  readonly framework: Framework
  readonly body: BodyKind
  readonly variant: string
  /** Requests per second, per round. */
  readonly rps: number[]
  /** Requests per CPU-second of the server process (Redis server's CPU added for Redis variants). */
  readonly perCpu: number[]
  /** Requests per second and per CPU-second of the constant response loaded in the same windows. */
  readonly baseRps: number[]
  readonly basePerCpu: number[]
  /** Server CPU use during the run, in cores (1 = saturated). */
  readonly busy: number[]
  readonly p99: number[]
  /** Medians of the per-window ratios to the constant response loaded alongside. */
  rpsRatio?: number
  perCpuRatio?: number
  readonly anomalies: string[]
}

export interface ThroughputResult {
  readonly settings: Record<string, unknown>
  readonly rows: ThroughputRow[]
  readonly skipped: { framework: Framework; variant: string; reason: string }[]
  /** Every pair's slow-state probe, replaced pairs included. */
  readonly probes?: PairProbe[]
  /**
   * Frameworks whose rows were kept from an earlier run, when this run measured only some
   * (`BENCH_FRAMEWORKS`): when and how those were measured.
   */
  readonly kept?: KeptRows[]
}

/** Rows of some frameworks carried over from an earlier run. */
export interface KeptRows {
  readonly frameworks: Framework[]
  readonly date: string
  readonly command: string
}

/** The slow-state probe of one pair once warmed up (tick-state.ts): nextTick's cost over a literal's. */
export interface PairProbe {
  readonly framework: Framework
  readonly variant: Variant
  readonly round: number
  readonly variantRatio: number
  readonly constRatio: number
  /** The pair had a process in the slow state and was replaced by a fresh one before measuring. */
  readonly replaced: boolean
}

interface Measurement {
  readonly row: ThroughputRow
  readonly server: BenchServer
  /** The constant response's server, loaded at the same time with a plain GET of the same body. */
  readonly base: BenchServer
  /** Whether the variant's server was started, and is loaded, before the constant's (alternates by round). */
  readonly variantFirst: boolean
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
  const url = m.server.url + ROUTES[m.row.body].path
  const load = (target: string, headers: Record<string, string>) => loadServer(target, duration, headers)
  const cpu0 = m.server.cpuSeconds()
  const base0 = m.base.cpuSeconds()
  const redis0 = processCpuSeconds(redis)
  // Both servers share the server CPU (the kernel splits it evenly between two busy processes), so a
  // burst of noise from other tenants lands on both: their ratio is what one window measures.
  const baseUrl = m.base.url + ROUTES[m.row.body].path
  const [result, base] = m.variantFirst
    ? await Promise.all([load(url, m.headers), load(baseUrl, {})])
    : await Promise.all([load(baseUrl, {}), load(url, m.headers)]).then(([b, r]) => [r, b] as const)
  const cpu = m.server.cpuSeconds() - cpu0
  const baseCpu = m.base.cpuSeconds() - base0
  const redisCpu = /tiered|redis/.test(m.row.variant) ? processCpuSeconds(redis) - redis0 : 0
  const expected = result.statuses[String(m.expectStatus)] ?? 0
  if (result.errors > 0 || expected !== result.requests)
    m.row.anomalies.push(`errors ${result.errors}, statuses ${JSON.stringify(result.statuses)}`)
  if (!record) return
  m.row.rps.push(result.rps)
  m.row.perCpu.push(result.requests / (cpu + redisCpu))
  m.row.baseRps.push(base.rps)
  m.row.basePerCpu.push(base.requests / baseCpu)
  m.row.busy.push(cpu / duration)
  m.row.p99.push(result.p99)
}

/**
 * Loads each server of a pair alone for the warm-up time, with the CPU to itself, before the paired
 * warm-up, so that its JIT settles without a partner on the core (V8's compiler threads are pinned
 * there too). It does not prevent the slow state (tick-state.ts): the probe after warm-up does.
 */
async function warmAlone(m: Measurement): Promise<void> {
  const path = ROUTES[m.row.body].path
  const variant = () => loadServer(m.server.url + path, WARMUP, m.headers)
  const base = () => loadServer(m.base.url + path, WARMUP, {})
  for (const load of m.variantFirst ? [variant, base] : [base, variant]) await load()
}

/** One autocannon load of `url` with the run's connections and pipelining. */
function loadServer(url: string, duration: number, headers: Record<string, string>): Promise<LoadResult> {
  return runLoad<LoadResult>({ url, duration, connections: CONNECTIONS, pipelining: PIPELINING, headers })
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
 * The measurements of one variant on a fresh server and its own constant-response partner. A
 * variant whose server or preflight fails in the first round is skipped for good; in a later
 * round it fails the run (its rounds would no longer pair with the constant's). The constant's
 * own row pairs two constant processes: a control, whose ratio shows how far apart two servers of
 * the same code read.
 */
async function planVariant(
  framework: Framework,
  variant: Variant,
  servers: BenchServer[],
  book: RowBook,
  out: ThroughputResult,
  firstRound: boolean,
  variantFirst: boolean,
): Promise<Measurement[]> {
  const start = async (which: Variant) => {
    for (let tries = 1; ; tries++) {
      const server = await startServer({ framework, variant: which, redisPrefix: `cfbench:${framework}:${which}:` })
      // A process is in the slow state from its start or not (Fastify's constant: 33 of 34 processes
      // of a run, before any load): constants are started afresh until one is healthy, so that every
      // ratio is to a healthy reference (BENCH_CONST_STARTS tries, then the last one is kept).
      if (which !== 'const' || tries >= CONST_STARTS || !isSlowTickRatio(await tickRatio(server))) {
        servers.push(server)
        return server
      }
      await server.stop()
    }
  }
  // One after the other, and in turns by round: started together, one process of a Fastify pair of
  // constants ran ~1.3 × slower in 3 rounds of 5 (a per-process JIT state; still 1 round in 4 with
  // turns). Alternating the order weighs both processes of a pair alike over an even number of rounds.
  let server: BenchServer
  let base: BenchServer
  try {
    if (variantFirst) {
      server = await start(variant)
      base = await start('const')
    } else {
      base = await start('const')
      server = await start(variant)
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    if (!firstRound || variant === 'const') throw new Error(`${framework}/${variant}: ${reason}`)
    skip(out, framework, variant, reason)
    return []
  }
  const plan: Measurement[] = []
  for (const body of BODIES) {
    const row = book.get(body, variant)
    if (row === undefined) continue
    // A Redis write lands after the miss that makes it: a slow one is retried, not taken for a failure.
    let problem = await preflight(server, body, variant)
    for (let retry = 0; retry < 3 && problem !== undefined && /tiered|redis/.test(variant); retry++)
      problem = await preflight(server, body, variant)
    if (problem !== undefined) {
      if (!firstRound || variant === 'const') throw new Error(`${framework}/${variant}/${body}: preflight: ${problem}`)
      skip(out, framework, `${variant} (${body})`, `preflight: ${problem}`)
      book.drop(body, variant)
      continue
    }
    plan.push({ row, server, base, variantFirst, headers: {}, expectStatus: 200 })
    if (variant === 'memory') {
      const etag = (await fetch(server.url + ROUTES[body].path)).headers.get('etag') ?? ''
      const notModified = book.get(body, 'memory-304')!
      plan.push({ row: notModified, server, base, variantFirst, headers: { 'if-none-match': etag }, expectStatus: 304 })
    }
  }
  return plan
}

async function benchFramework(framework: Framework, out: ThroughputResult, redis: number | undefined): Promise<void> {
  const variants = runnableVariants(framework, out, redis)
  const book = new RowBook(framework)
  for (let round = 0; round < ROUNDS; round++) {
    // Each variant and its partner run alone on the server CPU, on fresh processes every round: two
    // processes of the same code differ by a few percent in CPU per request (JIT decisions, heap
    // layout), which one process per variant would bake into every round alike. A single constant
    // kept running across variants read up to 1.5 × a fresh partner, and servers left idle beside
    // the pair under load made the control's ratio swing 0.8-1.05 (measured): hence a partner per
    // variant, and nothing else running. The order rotates so that no variant always runs first.
    const shift = round % variants.length
    for (const variant of [...variants.slice(shift), ...variants.slice(0, shift)]) {
      await benchPair(framework, variant, round, variants, book, out, redis)
    }
  }
  for (const body of BODIES) {
    for (const row of book.rows.values()) {
      if (row.body !== body || row.rps.length === 0) continue
      row.rpsRatio = median(row.rps.map((v, i) => v / row.baseRps[i]!))
      row.perCpuRatio = median(row.perCpu.map((v, i) => v / row.basePerCpu[i]!))
      out.rows.push(row)
    }
  }
}

/**
 * One variant's round: a fresh pair warmed up, probed for the slow state (replaced by a fresh pair
 * while retries last), then measured; probed again after its windows, which are flagged if a
 * process turned slow while they ran.
 */
async function benchPair(
  framework: Framework,
  variant: Variant,
  round: number,
  variants: Variant[],
  book: RowBook,
  out: ThroughputResult,
  redis: number | undefined,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const servers: BenchServer[] = []
    try {
      const plan = await planVariant(framework, variant, servers, book, out, round === 0, round % 2 === 0)
      if (plan.length === 0) {
        if (round === 0) variants.splice(variants.indexOf(variant), 1)
        return
      }
      for (const m of plan) await warmAlone(m)
      for (const m of plan) await measure(m, WARMUP, redis ?? 0, false)
      const slow = await slowProcesses(plan[0]!)
      const replaced = attempt < SLOW_RETRIES && slow.names.length > 0
      out.probes!.push({ framework, variant, round: round + 1, ...slow.ratios, replaced })
      if (replaced) {
        console.log(
          `  ${framework} ${variant} round ${round + 1}: ${slow.names.join(' and ')} in the slow state, fresh pair`,
        )
        continue
      }
      const flag = (what: string) => {
        for (const m of plan) m.row.anomalies.push(`round ${round + 1}: ${what} in the slow state`)
      }
      if (slow.names.length > 0) flag(`${slow.names.join(' and ')} (as in ${SLOW_RETRIES} fresh pairs before)`)
      for (const m of plan) {
        await measure(m, DURATION, redis ?? 0, true)
        printWindow(m, round)
      }
      const after = await slowProcesses(plan[0]!)
      const turned = after.names.filter((name) => !slow.names.includes(name))
      if (turned.length > 0) flag(`${turned.join(' and ')} turned up`)
      return
    } finally {
      await Promise.all(servers.map((server) => server.stop()))
    }
  }
}

/** Which processes of a pair are in the slow state, and their tick ratios. */
async function slowProcesses(
  m: Measurement,
): Promise<{ names: string[]; ratios: { variantRatio: number; constRatio: number } }> {
  const variantRatio = await tickRatio(m.server)
  const constRatio = await tickRatio(m.base)
  const names: string[] = []
  if (isSlowTickRatio(variantRatio)) names.push(`the ${m.server.config.variant} process`)
  if (isSlowTickRatio(constRatio)) names.push('the constant partner')
  return { names, ratios: { variantRatio, constRatio } }
}

function printWindow(m: Measurement, round: number): void {
  const row = m.row
  const last = row.rps.length - 1
  console.log(
    `  ${row.framework.padEnd(7)} ${row.body.padEnd(4)} ${row.variant.padEnd(18)} round ${round + 1}: ` +
      `${Math.round(row.rps[last]!)} req/s, ${Math.round(row.perCpu[last]!)} req/CPU-s, ` +
      `ratio ${(row.perCpu[last]! / row.basePerCpu[last]!).toFixed(3)} to the constant alongside, ` +
      `server busy ${row.busy[last]!.toFixed(2)}${row.anomalies.length > 0 ? `, anomalies: ${row.anomalies.join('; ')}` : ''}`,
  )
}

function newRow(framework: Framework, body: BodyKind, variant: string): ThroughputRow {
  return {
    framework,
    body,
    variant,
    rps: [],
    perCpu: [],
    baseRps: [],
    basePerCpu: [],
    busy: [],
    p99: [],
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
      slowRetries: SLOW_RETRIES,
      constStarts: CONST_STARTS,
    },
    rows: [],
    skipped: [],
    probes: [],
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

/**
 * A run of some frameworks (`BENCH_FRAMEWORKS=express`) replaces their rows and keeps the other
 * frameworks' rows of the saved run, saying when and how those were measured: a rerun of one
 * framework no longer wipes the others from RESULTS.md.
 */
export function mergeWithEarlier(
  result: ThroughputResult,
  earlier: Saved<ThroughputResult> | undefined,
): ThroughputResult {
  if (earlier === undefined) return result
  const measured = new Set(FRAMEWORKS)
  const keep = <T extends { framework: Framework }>(items: readonly T[] | undefined): T[] =>
    (items ?? []).filter((item) => !measured.has(item.framework))
  const keptRows = keep(earlier.data.rows)
  if (keptRows.length === 0) return result
  const carried = (earlier.data.kept ?? []).map((k) => ({
    ...k,
    frameworks: k.frameworks.filter((f) => !measured.has(f)),
  }))
  const fromEarlierRun = [...new Set(keptRows.map((row) => row.framework))].filter(
    (framework) => !carried.some((k) => k.frameworks.includes(framework)),
  )
  const kept = [
    ...carried.filter((k) => k.frameworks.length > 0),
    ...(fromEarlierRun.length > 0
      ? [{ frameworks: fromEarlierRun, date: earlier.machine.date, command: earlier.command }]
      : []),
  ]
  return {
    ...result,
    rows: [...keptRows, ...result.rows],
    skipped: [...keep(earlier.data.skipped), ...result.skipped],
    probes: [...keep(earlier.data.probes), ...(result.probes ?? [])],
    kept,
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await runThroughput()
  await saveResult('throughput', mergeWithEarlier(result, await loadResult<ThroughputResult>('throughput')))
}
