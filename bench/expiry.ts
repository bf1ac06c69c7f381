// Latency of hits through expiry: 16 URLs whose entries expire every second under steady load, with
// and without stale-while-revalidate, beside entries that never expire. `npm run bench:expiry`.
// Interleaved rounds on fresh servers, medians reported: one stall of the shared machine (100 ms
// holds up 1.25 % of a window's requests) sets a run's p99 by itself.
import type { LoadResult } from './lib/load-worker.js'
import { runLoad, startServer } from './lib/proc.js'
import { saveResult } from './lib/results.js'
import { envList, envNumber, median } from './lib/stats.js'
import type { Framework } from './servers/config.js'
import { missingFor } from './servers/stores.js'

const SECONDS = envNumber('BENCH_EXPIRY_SECONDS', 8)
const ROUNDS = envNumber('BENCH_EXPIRY_ROUNDS', 3)
const RATE = envNumber('BENCH_EXPIRY_RATE', 2000)
const DELAY_MS = 50
const KEYS = 16
const FRAMEWORKS = (envList('BENCH_FRAMEWORKS') ?? ['fastify', 'hono', 'express']) as Framework[]

const MODES = [
  { mode: 'no expiry (ttl 1h)', ttlMs: 3_600_000, swrMs: 0 },
  { mode: 'ttl 1s', ttlMs: 1000, swrMs: 0 },
  { mode: 'ttl 1s + swr 10s', ttlMs: 1000, swrMs: 10_000 },
] as const

/** One framework and mode: medians over rounds, and each round's figures. */
export interface ExpiryRow {
  readonly framework: Framework
  readonly mode: string
  readonly p50: number
  readonly p99: number
  /** The highest latency of any round. */
  readonly max: number
  readonly rps: number
  readonly handlerRuns: number
  readonly statuses: Record<string, number>
  readonly rounds: readonly ExpiryRound[]
}

export interface ExpiryRound {
  readonly p50: number
  readonly p99: number
  readonly max: number
  readonly rps: number
  readonly handlerRuns: number
  /** The server's longest event-loop stall during the window, ms (a stall of the machine shows in latency only). */
  readonly serverStallMs: number
}

export interface ExpiryResult {
  readonly seconds: number
  readonly rounds: number
  readonly rate: number
  readonly delayMs: number
  readonly keys: number
  readonly rows: ExpiryRow[]
  readonly skipped: { framework: Framework; reason: string }[]
}

export async function runExpiry(): Promise<ExpiryResult> {
  const out: ExpiryResult = {
    seconds: SECONDS,
    rounds: ROUNDS,
    rate: RATE,
    delayMs: DELAY_MS,
    keys: KEYS,
    rows: [],
    skipped: [],
  }
  const paths = Array.from({ length: KEYS }, (_, i) => `/expiring-${i}.json`)
  console.log(`expiry: ${KEYS} URLs, ${RATE} req/s for ${SECONDS} s, ${DELAY_MS} ms handler, ${ROUNDS} rounds`)
  const frameworks = FRAMEWORKS.filter((framework) => {
    const missing = missingFor(framework, 'memory')
    if (missing !== undefined) {
      out.skipped.push({ framework, reason: missing })
      console.log(`  skip ${framework}: ${missing}`)
    }
    return missing === undefined
  })
  const samples = new Map<string, { rounds: ExpiryRound[]; statuses: Record<string, number> }>()
  for (let round = 0; round < ROUNDS; round++) {
    for (const framework of frameworks) {
      for (const { mode, ttlMs, swrMs } of MODES) {
        const key = `${framework}\n${mode}`
        const sample = samples.get(key) ?? { rounds: [], statuses: {} }
        samples.set(key, sample)
        const server = await startServer({ framework, variant: 'memory', ttlMs, swrMs, delayMs: DELAY_MS })
        try {
          const result = await measureWindow(server.url, paths, sample.statuses)
          sample.rounds.push(result)
          console.log(
            `  ${framework} ${mode} round ${round + 1}: p50 ${result.p50} ms, p99 ${result.p99} ms, max ${result.max} ms, ` +
              `${result.handlerRuns} handler runs, server's longest stall ${result.serverStallMs} ms`,
          )
        } finally {
          await server.stop()
        }
      }
    }
  }
  for (const framework of frameworks) {
    for (const { mode } of MODES) {
      const { rounds, statuses } = samples.get(`${framework}\n${mode}`)!
      out.rows.push({
        framework,
        mode,
        p50: median(rounds.map((r) => r.p50)),
        p99: median(rounds.map((r) => r.p99)),
        max: Math.max(...rounds.map((r) => r.max)),
        rps: median(rounds.map((r) => r.rps)),
        handlerRuns: median(rounds.map((r) => r.handlerRuns)),
        statuses,
        rounds,
      })
    }
  }
  return out
}

async function measureWindow(url: string, paths: string[], statuses: Record<string, number>): Promise<ExpiryRound> {
  for (const path of paths) await (await fetch(url + path)).arrayBuffer()
  const before = Number(await (await fetch(`${url}/__runs`)).text())
  await fetch(`${url}/__loop`).then((r) => r.text())
  const result = await runLoad<LoadResult>({
    url,
    duration: SECONDS,
    connections: KEYS,
    pipelining: 1,
    paths,
    overallRate: RATE,
  })
  const serverStallMs = Number(await (await fetch(`${url}/__loop`)).text())
  const handlerRuns = Number(await (await fetch(`${url}/__runs`)).text()) - before
  for (const [status, count] of Object.entries(result.statuses)) statuses[status] = (statuses[status] ?? 0) + count
  return { p50: result.p50, p99: result.p99, max: result.max, rps: result.rps, handlerRuns, serverStallMs }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await saveResult('expiry', await runExpiry())
}
