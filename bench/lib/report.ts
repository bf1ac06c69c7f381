// Renders bench/RESULTS.md from the saved results: ratios first, then the raw medians.
import { writeFile } from 'node:fs/promises'
import type { ThroughputResult, ThroughputRow } from '../throughput.js'
import type { StampedeResult } from '../stampede.js'
import type { MemoryResult } from '../memory.js'
import type { ExpiryResult } from '../expiry.js'
import { loadResult, RESULTS_PATH, type Saved } from './results.js'
import { fmt, fmtInt, median } from './stats.js'

const TARGETS: Record<string, number> = {
  memory: 0.95,
  tiered: 0.9,
  redis: 0.5,
  'memory-304': 1.0,
}

function header(saved: Saved<unknown>): string {
  const m = saved.machine
  return (
    `Measured ${m.date.slice(0, 16).replace('T', ' ')} UTC on ${m.cores} × ${m.cpuModel}, ${m.memoryGb} GB, ` +
    `Node ${m.node} (${m.platform}); pinning: ${m.pinning}.\n\nCommand: \`${saved.command}\`\n`
  )
}

function verdict(row: ThroughputRow): string {
  const target = TARGETS[row.variant]
  if (target === undefined || row.perCpuRatio === undefined) return ''
  return row.perCpuRatio >= target ? `≥ ${target} ✅` : `≥ ${target} ❌`
}

export function throughputTable(result: ThroughputResult): string {
  const lines = [
    '| framework | body | variant | req/CPU-s ratio | req/s ratio | req/CPU-s | req/s | server busy | p99 ms | target |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ]
  for (const row of result.rows) {
    lines.push(
      `| ${row.framework} | ${row.body} | ${row.variant} | ${fmt(row.perCpuRatio ?? NaN)} | ${fmt(row.rpsRatio ?? NaN)} | ` +
        `${fmtInt(median(row.perCpu))} | ${fmtInt(median(row.rps))} | ${fmt(median(row.busy))} | ${fmt(median(row.p99), 0)} | ${verdict(row)} |`,
    )
  }
  return lines.join('\n')
}

function throughputSection(saved: Saved<ThroughputResult> | undefined): string {
  if (!saved) return '## Throughput of a hit\n\nNot run yet: `npm run bench:throughput`.\n'
  const r = saved.data
  const s = r.settings
  const skipped = r.skipped.map((skip) => `- ${skip.framework}/${skip.variant}: ${skip.reason}`).join('\n')
  const anomalies = r.rows
    .filter((row) => row.anomalies.length > 0)
    .map((row) => `- ${row.framework}/${row.body}/${row.variant}: ${row.anomalies.join('; ')}`)
    .join('\n')
  return `## Throughput of a hit

${header(saved)}
${s.rounds} interleaved rounds × ${s.duration} s per variant after a ${s.warmup} s warm-up; autocannon with
${s.connections} connections × ${s.pipelining} pipelined requests. Ratios are medians of per-round ratios to the
same framework's constant response (\`const\`) in the same round. **req/CPU-s** is requests served per CPU-second
of the server process (plus the Redis server's CPU for the tiered and Redis variants): the throughput the server
reaches when its core is saturated. With one core for autocannon, the load generator is often the bottleneck
(\`server busy\` < 1), which compresses **req/s** ratios toward 1; the targets are therefore judged on req/CPU-s.
On Hono, \`const-middleware\` (when present) is the constant response behind a no-op middleware: what any
middleware costs in Hono itself, the ceiling for a cache that is a middleware.
Every variant runs in a fresh server process each round (two processes of the same code differ by up to ~15%).
Every variant has the constant's routes (a static path per body, then the wildcard): on Hono and Express the
cached variants were on the wildcard alone until 2026-11-26, and Hono matches a wildcard with a regular expression.
Every variant serves one hot URL to ${s.connections} × ${s.pipelining} requests in flight. For \`redis\`, that is the
case request coalescing serves best: reads of one key that overlap share one Redis round trip (and its decoded
value), so Redis sees a small fraction of the hits. A hit on a key no other request is reading costs a whole
round trip (\`EVALSHA\` of the read script, which decodes the entry's JSON header with cjson): about 0.25–0.45 of
\`const\` before coalescing, which this table does not measure. For \`tiered\`, every hit is fresh in L1.

${throughputTable(r)}
${skipped ? `\nSkipped:\n${skipped}\n` : ''}${anomalies ? `\nAnomalies (non-expected statuses or errors):\n${anomalies}\n` : ''}`
}

export async function renderResults(): Promise<void> {
  const throughput = await loadResult<ThroughputResult>('throughput')
  const stampede = await loadResult<StampedeResult>('stampede')
  const memory = await loadResult<MemoryResult>('memory')
  const expiry = await loadResult<ExpiryResult>('expiry')
  const { stampedeSection, memorySection, expirySection } = await import('./report-sections.js')
  const text = `# cachefront benchmark results

Produced by \`npm run bench\` (or one of \`bench:throughput\`, \`bench:stampede\`, \`bench:memory\`,
\`bench:expiry\`); every section says when and how it was measured. The machine is shared and noisy:
compare ratios, not absolute numbers. Settings can be lengthened with environment variables
(\`BENCH_ROUNDS\`, \`BENCH_DURATION\`, \`BENCH_WARMUP\`, \`BENCH_CONNECTIONS\`, \`BENCH_PIPELINING\`,
\`BENCH_FRAMEWORKS\`, \`BENCH_BODIES\`, \`BENCH_KEYS\`, \`BENCH_EXPIRY_SECONDS\`, \`REDIS_URL\`).

${throughputSection(throughput)}
${stampedeSection(stampede)}
${memorySection(memory)}
${expirySection(expiry)}`
  await writeFile(RESULTS_PATH, text)
}
