// Latency of hits through expiry: 16 URLs whose entries expire every second under steady load, with
// and without stale-while-revalidate, beside entries that never expire. `npm run bench:expiry`.
import type { LoadResult } from './lib/load-worker.js'
import { runLoad, startServer } from './lib/proc.js'
import { saveResult } from './lib/results.js'
import { envList, envNumber } from './lib/stats.js'
import type { Framework } from './servers/config.js'
import { missingFor } from './servers/stores.js'

const SECONDS = envNumber('BENCH_EXPIRY_SECONDS', 8)
const RATE = envNumber('BENCH_EXPIRY_RATE', 2000)
const DELAY_MS = 50
const KEYS = 16
const FRAMEWORKS = (envList('BENCH_FRAMEWORKS') ?? ['fastify', 'hono', 'express']) as Framework[]

const MODES = [
  { mode: 'no expiry (ttl 1h)', ttlMs: 3_600_000, swrMs: 0 },
  { mode: 'ttl 1s', ttlMs: 1000, swrMs: 0 },
  { mode: 'ttl 1s + swr 10s', ttlMs: 1000, swrMs: 10_000 },
] as const

export interface ExpiryRow {
  readonly framework: Framework
  readonly mode: string
  readonly p50: number
  readonly p99: number
  readonly max: number
  readonly rps: number
  readonly handlerRuns: number
  readonly statuses: Record<string, number>
}

export interface ExpiryResult {
  readonly seconds: number
  readonly rate: number
  readonly delayMs: number
  readonly keys: number
  readonly rows: ExpiryRow[]
  readonly skipped: { framework: Framework; reason: string }[]
}

export async function runExpiry(): Promise<ExpiryResult> {
  const out: ExpiryResult = { seconds: SECONDS, rate: RATE, delayMs: DELAY_MS, keys: KEYS, rows: [], skipped: [] }
  const paths = Array.from({ length: KEYS }, (_, i) => `/expiring-${i}.json`)
  console.log(`expiry: ${KEYS} URLs, ${RATE} req/s for ${SECONDS} s, ${DELAY_MS} ms handler`)
  for (const framework of FRAMEWORKS) {
    const missing = missingFor(framework, 'memory')
    if (missing !== undefined) {
      out.skipped.push({ framework, reason: missing })
      console.log(`  skip ${framework}: ${missing}`)
      continue
    }
    for (const { mode, ttlMs, swrMs } of MODES) {
      const server = await startServer({ framework, variant: 'memory', ttlMs, swrMs, delayMs: DELAY_MS })
      try {
        for (const path of paths) await (await fetch(server.url + path)).arrayBuffer()
        const before = Number(await (await fetch(`${server.url}/__runs`)).text())
        const result = await runLoad<LoadResult>({
          url: server.url,
          duration: SECONDS,
          connections: KEYS,
          pipelining: 1,
          paths,
          overallRate: RATE,
        })
        const runs = Number(await (await fetch(`${server.url}/__runs`)).text()) - before
        out.rows.push({
          framework,
          mode,
          p50: result.p50,
          p99: result.p99,
          max: result.max,
          rps: result.rps,
          handlerRuns: runs,
          statuses: result.statuses,
        })
        console.log(
          `  ${framework} ${mode}: p50 ${result.p50} ms, p99 ${result.p99} ms, max ${result.max} ms, ${runs} handler runs`,
        )
      } finally {
        await server.stop()
      }
    }
  }
  return out
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await saveResult('expiry', await runExpiry())
}
