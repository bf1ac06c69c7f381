// Renders bench/RESULTS.md from the saved results: ratios first, then the raw medians.
import { readFile, writeFile } from 'node:fs/promises'
import { SLOW_TICK_RATIO, isSlowTickRatio } from './tick-state.js'
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

/** How many processes of each variant's pairs the slow-state probe found slow, and how many pairs it replaced. */
function probeSummary(r: ThroughputResult): string {
  const probes = r.probes ?? []
  if (probes.length === 0) return 'This run predates the probe: a row whose rounds disagree may hold a slow process.\n'
  const counts = new Map<string, { pairs: number; variant: number; constant: number; replaced: number }>()
  for (const probe of probes) {
    const key = `${probe.framework}/${probe.variant}`
    const count = counts.get(key) ?? { pairs: 0, variant: 0, constant: 0, replaced: 0 }
    count.pairs++
    if (isSlowTickRatio(probe.variantRatio)) count.variant++
    if (isSlowTickRatio(probe.constRatio)) count.constant++
    if (probe.replaced) count.replaced++
    counts.set(key, count)
  }
  const found = [...counts].map(
    ([key, c]) => `${key}: ${c.variant} + ${c.constant} of ${c.pairs} pairs (${c.replaced} replaced)`,
  )
  return `Slow processes found after warm-up, the variant's + its constant partner's, by pairs started: ${found.join('; ')}.\n`
}

/**
 * Rounds are fresh pairs of processes: when their ratios lie far apart, a process of some pair was
 * in another state than its partner (an Express memory process at 2 × the usual speed in two rounds
 * of four, 2026-11-26), and the median of so few rounds is not to be trusted: rerun the framework.
 */
const ROUND_SPREAD = 1.3

function roundsDisagree(row: ThroughputRow): string[] {
  const ratios = row.perCpu.map((value, i) => value / row.basePerCpu[i]!)
  if (ratios.length < 2) return []
  const low = Math.min(...ratios)
  const high = Math.max(...ratios)
  if (!(high / low > ROUND_SPREAD)) return []
  return [`rounds disagree (req/CPU-s ratios ${ratios.map((ratio) => fmt(ratio)).join(', ')}): rerun this framework`]
}

function throughputSection(saved: Saved<ThroughputResult> | undefined): string {
  if (!saved) return '## Throughput of a hit\n\nNot run yet: `npm run bench:throughput`.\n'
  const r = saved.data
  const s = r.settings
  const skipped = r.skipped.map((skip) => `- ${skip.framework}/${skip.variant}: ${skip.reason}`).join('\n')
  const anomalies = r.rows
    .map((row) => ({ row, notes: [...row.anomalies, ...roundsDisagree(row)] }))
    .filter(({ notes }) => notes.length > 0)
    .map(({ row, notes }) => `- ${row.framework}/${row.body}/${row.variant}: ${notes.join('; ')}`)
    .join('\n')
  const kept = (r.kept ?? [])
    .map(
      (k) =>
        `Rows of ${k.frameworks.join(', ')}: from the run of ${k.date.slice(0, 16).replace('T', ' ')} UTC, \`${k.command}\`.`,
    )
    .join('\n')
  return `## Throughput of a hit

${header(saved)}${kept ? `\n${kept}\n` : ''}
${s.rounds} interleaved rounds; in each, every variant runs on a fresh server process beside a fresh process
serving the constant response (\`const\`), both pinned to the same server CPU and loaded at the same time
(autocannon, ${s.connections} connections × ${s.pipelining} pipelined requests each, from the other CPU), for
${s.duration} s per window after a ${s.warmup} s warm-up. A window's ratio compares two servers that shared the
same core in the same seconds, so the machine's noise (other tenants, frequency) falls on both; ratios are medians
of the per-window ratios. The \`const\` row pairs two constant processes: the control, whose ratio is how far
apart two servers of the same code read. **req/CPU-s** is requests served per CPU-second of the server process
(plus the Redis server's CPU for the tiered and Redis variants); the targets are judged on it. Each server of a
pair gets about half the core (\`server busy\` ≈ 0.5), so **req/s** ratios read close to req/CPU-s ratios.
Before 2026-11-26 08:00 UTC each variant was loaded alone, one after another: windows seconds apart saw
different machine states, a variant's per-round ratio ranged 0.56–1.50, and medians moved by ±0.1 between runs.
Paired, most windows of the control read 0.96–1.04. What pairing cannot remove: now and then a Node 20 process
settles into a state that costs it 1.2–2 × per request for its whole life, whatever it serves: its \`nextTick\`
builds every tick object through the V8 runtime (callgrind: ~34k more instructions per Hono request, all under
\`nextTick\`; V8's map log: the literal starts from another root map than its feedback recorded, and the
feedback turns megamorphic). Since 2026-11-26 13:00 UTC every server answers \`/__ticks\` with the cost of a
\`nextTick\` call over that of a plain object literal of the same shape (≈ 2.2 healthy, ≈ 19 in that state);
after the warm-up, a pair with a process above ${SLOW_TICK_RATIO} is replaced by a fresh pair (up to
${String(s.slowRetries ?? 3)} times), and windows in which a process turned slow afterwards are flagged below. Constant-response servers are
started afresh until the probe reads healthy (up to ${String(s.constStarts ?? 1)} starts): in the run of 13:07 UTC,
before this, Fastify's constant was slow from its start in 33 of 34 processes and no cached or peer process was,
so every Fastify ratio of that run compared a healthy process with a slow reference (its memory hit read 1.08).

${probeSummary(r)}
On Hono, \`const-middleware\` (when present) is the constant response behind a no-op middleware: what any
middleware costs in Hono itself, the ceiling for a cache that is a middleware. \`const-cache-headers\` is that, with
the headers a cached answer adds (Content-Length, ETag, Age, Cache-Status) in a plain object: the ceiling for a
middleware cache that sends what HTTP caching asks of it. \`memory-app\` (when present) is the whole Hono app behind
cachefront/fetch (\`serve({ fetch: cacheResponse(app.fetch, { cache }) })\`) instead of the route middleware: hits are
answered before Hono routes the request, so it is not bounded by that ceiling (no target: it caches every route alike).
Every variant has the constant's routes (a static path per body, then the wildcard): on Hono and Express the
cached variants were on the wildcard alone until 2026-11-26, and Hono matches a wildcard with a regular expression.
Every variant serves one hot URL to ${s.connections} × ${s.pipelining} requests in flight. For \`redis\`, that is the
case request coalescing serves best: reads of one key that overlap share one Redis round trip (and its decoded
value), so Redis sees a small fraction of the hits. A hit on a key no other request is reading costs a whole
round trip (\`EVALSHA\` of the read script, which decodes the entry's JSON header with cjson): about 0.25–0.45 of
\`const\` before coalescing, which this table does not measure. For \`tiered\`, every hit is fresh in L1.

${throughputTable(r)}
${skipped ? `\nSkipped:\n${skipped}\n` : ''}${anomalies ? `\nAnomalies (unexpected statuses or errors; processes in the slow state; rounds that disagree):\n${anomalies}\n` : ''}`
}

export async function renderResults(): Promise<void> {
  const throughput = await loadResult<ThroughputResult>('throughput')
  const stampede = await loadResult<StampedeResult>('stampede')
  const memory = await loadResult<MemoryResult>('memory')
  const expiry = await loadResult<ExpiryResult>('expiry')
  const { stampedeSection, memorySection, expirySection } = await import('./report-sections.js')
  const earlier = await earlierSections()
  const text = `# cachefront benchmark results

Produced by \`npm run bench\` (or one of \`bench:throughput\`, \`bench:stampede\`, \`bench:memory\`,
\`bench:expiry\`); every section says when and how it was measured. The machine is shared and noisy:
compare ratios, not absolute numbers. Settings can be lengthened with environment variables
(\`BENCH_ROUNDS\`, \`BENCH_DURATION\`, \`BENCH_WARMUP\`, \`BENCH_CONNECTIONS\`, \`BENCH_PIPELINING\`,
\`BENCH_FRAMEWORKS\`, \`BENCH_BODIES\`, \`BENCH_KEYS\`, \`BENCH_EXPIRY_SECONDS\`, \`BENCH_EXPIRY_ROUNDS\`, \`BENCH_SLOW_RETRIES\`, \`BENCH_CONST_STARTS\`, \`REDIS_URL\`).

${[throughputSection(throughput), stampedeSection(stampede), memorySection(memory), expirySection(expiry)]
  .map((section) => keptIfNotRun(section, earlier))
  .join('\n')}`
  await writeFile(RESULTS_PATH, text)
}

// A section whose result is not in bench/.tmp (gitignored: a fresh checkout, or one sub-script run
// alone) keeps what RESULTS.md already says rather than turning into "Not run yet": a partial run
// once wiped two measured sections that way.
function keptIfNotRun(section: string, earlier: Map<string, string>): string {
  if (!section.includes('Not run yet')) return section
  return earlier.get(section.slice(0, section.indexOf('\n'))) ?? section
}

/** The sections of the RESULTS.md on disk, by heading line. */
async function earlierSections(): Promise<Map<string, string>> {
  const text = await readFile(RESULTS_PATH, 'utf8').catch(() => '')
  const sections = new Map<string, string>()
  for (const part of text.split(/^(?=## )/m).slice(1)) {
    if (!part.includes('Not run yet')) sections.set(part.slice(0, part.indexOf('\n')), part.trimEnd() + '\n')
  }
  return sections
}
