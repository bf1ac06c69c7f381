// Stampede: 1,000 concurrent requests for a cold URL whose handler takes 100 ms; how many times did
// the handler run? `npm run bench:stampede`. One process per cache, and four processes sharing Redis.
import type { BurstResult } from './lib/burst-worker.js'
import { PINNING, spawnNode, startServer, type BenchServer } from './lib/proc.js'
import { clearRedisPrefix, redisPid } from './lib/redis.js'
import { saveResult } from './lib/results.js'
import { envNumber } from './lib/stats.js'
import type { Framework, Variant } from './servers/config.js'
import { missingFor } from './servers/stores.js'

const REQUESTS = envNumber('BENCH_STAMPEDE_REQUESTS', 1000)
const DELAY_MS = 100

export interface StampedeRow {
  readonly framework: Framework
  readonly variant: Variant
  readonly processes: number
  readonly requests: number
  /** Handler runs, summed over the processes. */
  readonly handlerRuns: number
  readonly statuses: Record<string, number>
  readonly cacheStatuses: Record<string, number>
  readonly errors: number
  readonly elapsedMs: number
}

export interface StampedeResult {
  readonly requests: number
  readonly delayMs: number
  readonly rows: StampedeRow[]
  readonly skipped: { framework: Framework; variant: Variant; processes: number; reason: string }[]
}

const CASES: { framework: Framework; variant: Variant; processes: number }[] = [
  { framework: 'hono', variant: 'memory', processes: 1 },
  { framework: 'fastify', variant: 'memory', processes: 1 },
  { framework: 'express', variant: 'memory', processes: 1 },
  { framework: 'hono', variant: 'redis', processes: 4 },
  { framework: 'hono', variant: 'tiered', processes: 4 },
  { framework: 'fastify', variant: 'redis', processes: 4 },
  { framework: 'express', variant: 'tiered', processes: 4 },
  { framework: 'express', variant: 'apicache', processes: 1 },
  { framework: 'fastify', variant: 'async-cache-dedupe', processes: 1 },
  { framework: 'fastify', variant: 'bentocache', processes: 1 },
]

async function burst(spec: unknown): Promise<BurstResult> {
  const child = spawnNode('./burst-worker.ts', [JSON.stringify(spec)], PINNING?.load)
  let out = ''
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()))
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  if (code !== 0) throw new Error(`burst generator exited with ${code}`)
  return JSON.parse(out.trim().split('\n').pop()!) as BurstResult
}

export async function runStampede(): Promise<StampedeResult> {
  const redis = await redisPid()
  const out: StampedeResult = { requests: REQUESTS, delayMs: DELAY_MS, rows: [], skipped: [] }
  console.log(`stampede: ${REQUESTS} concurrent requests, cold URL, ${DELAY_MS} ms handler`)
  for (const c of CASES) {
    const missing =
      missingFor(c.framework, c.variant) ??
      (/tiered|redis/.test(c.variant) && redis === undefined ? 'no Redis answers at REDIS_URL' : undefined)
    if (missing !== undefined) {
      out.skipped.push({ ...c, reason: missing })
      console.log(`  skip ${c.framework}/${c.variant} × ${c.processes}: ${missing}`)
      continue
    }
    const prefix = `cfbench:stampede:${c.framework}:${c.variant}:`
    const servers: BenchServer[] = []
    try {
      // With four processes, two run on each CPU: they share the box with the burst generator.
      for (let i = 0; i < c.processes; i++)
        servers.push(
          await startServer(
            { framework: c.framework, variant: c.variant, delayMs: DELAY_MS, redisPrefix: prefix },
            c.processes > 1 ? undefined : PINNING?.server,
          ),
        )
      const path = `/cold-${Date.now()}.json`
      const result = await burst({ urls: servers.map((s) => s.url), path, count: REQUESTS, host: 'bench.test' })
      let runs = 0
      for (const server of servers) runs += Number(await (await fetch(`${server.url}/__runs`)).text())
      const row: StampedeRow = { ...c, requests: REQUESTS, handlerRuns: runs, ...result }
      out.rows.push(row)
      console.log(
        `  ${c.framework}/${c.variant} × ${c.processes}: ${runs} handler run(s), statuses ${JSON.stringify(result.statuses)}, ` +
          `cache-status ${JSON.stringify(result.cacheStatuses)}, sent in ${Math.round(result.sendMs)} ms, done in ${Math.round(result.elapsedMs)} ms`,
      )
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      out.skipped.push({ ...c, reason })
      console.log(`  skip ${c.framework}/${c.variant} × ${c.processes}: ${reason}`)
    } finally {
      await Promise.all(servers.map((server) => server.stop()))
      await clearRedisPrefix(prefix)
    }
  }
  return out
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await saveResult('stampede', await runStampede())
}
