// The stampede, memory and expiry sections of bench/RESULTS.md.
import type { ExpiryResult } from '../expiry.js'
import type { MemoryResult } from '../memory.js'
import type { StampedeResult } from '../stampede.js'
import type { Saved } from './results.js'
import { fmt, fmtInt } from './stats.js'

function measured(saved: Saved<unknown>): string {
  const m = saved.machine
  return `Measured ${m.date.slice(0, 16).replace('T', ' ')} UTC on ${m.cores} × ${m.cpuModel}, Node ${m.node}. Command: \`${saved.command}\``
}

export function stampedeSection(saved: Saved<StampedeResult> | undefined): string {
  if (!saved) return '## Stampede\n\nNot run yet: `npm run bench:stampede`.\n'
  const r = saved.data
  const rows = r.rows.map(
    (row) =>
      `| ${row.framework} | ${row.variant} | ${row.processes} | ${row.handlerRuns} | ${row.handlerRuns === 1 ? '✅' : row.variant.match(/memory|tiered|redis/) ? '❌' : ''} | ` +
      `${Object.entries(row.statuses)
        .map(([k, v]) => `${k}×${v}`)
        .join(' ')} | ${Object.entries(row.cacheStatuses)
        .map(([k, v]) => `${k}×${v}`)
        .join(' ')} | ${fmtInt(row.elapsedMs)} |`,
  )
  const skipped = r.skipped.map((s) => `- ${s.framework}/${s.variant} × ${s.processes}: ${s.reason}`).join('\n')
  return `## Stampede

${measured(saved)}

${r.requests} concurrent requests (connections opened first, then one request on each at once) for a cold URL
whose handler takes ${r.delayMs} ms. With several processes, the requests are spread evenly over them and all
carry the same Host, so every process computes the same key; they share one Redis. Target: exactly 1 run.

| framework | cache | processes | handler runs | target | statuses | cache-status | ms |
| --- | --- | ---: | ---: | --- | --- | --- | ---: |
${rows.join('\n')}
${skipped ? `\nSkipped:\n${skipped}\n` : ''}`
}

export function memorySection(saved: Saved<MemoryResult> | undefined): string {
  if (!saved) return '## Memory bound\n\nNot run yet: `npm run bench:memory`.\n'
  const r = saved.data
  const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1)
  const ratio = r.rssGrowth / r.maxBytes
  const d = r.direct
  const w = r.warm
  const ok = (value: number) => (value <= 1.2 ? '✅' : '❌')
  return `## Memory bound

${measured(saved)}

${fmtInt(r.keys)} distinct URLs (${r.bodyBytes}-byte JSON bodies) sent in-process through the fetch adapter
(\`cacheResponse(handler, { cache })\`, one \`Request\` per URL, each a miss that fills and stores, as in a
server) into \`memoryStore({ maxBytes: '64mb' })\`. RSS measured after forced GC before and after (node --expose-gc).
Every measurement runs in a process of its own (the per-entry calibration below in another), so that no cold
figure benefits from pages freed by earlier work in the same process.
${
  d
    ? `The second column drives as many distinct keys, with the same bodies and response metadata, through the
same store via the engine directly (\`createCache\` + \`beginFill\`/\`commit\`, no \`Request\`/\`Response\`
objects), in a process of its own: the store's own growth, without a server's request garbage.
${
  d.rssGrowth >= 0.9 * r.rssGrowth
    ? `Its RSS growth is no lower, while its live heap stays within maxBytes. The store keeps entries as records in
off-heap slabs (a key string and a few typed-array cells per entry on the JS heap), so what RSS holds beyond
live memory is not the store's objects: it is V8's young generation, grown under the allocation rate.`
    : `Its RSS growth is lower: the difference is what a server's request garbage adds (V8 heap fragmentation).`
}`
    : ''
}
${
  w
    ? `
The first row measures from a warm process: it has already served ${fmtInt(w.warmKeys)} other keys through a store of
its own (then dropped) before the baseline, as any server under load has. From a cold process (the next row) the
growth also counts V8's young generation growing from about 3 MB to its working size (two 16 MB semi-spaces on 64-bit
Node 20), which any sustained traffic causes, cached or not; it is not the cache's memory. ${
        r.control
          ? `The control measures what traffic alone does:
the same ${fmtInt(r.control.keys)} requests straight to the handler, without cachefront, in a cold process of its own
(the same script, warm-up and baseline). How far above the control's the cached process's RSS ends is what the
cache costs a process from cold, everything included: the store, and what malloc keeps resident around its
long-lived buffers. The target is judged on the warm row and on that one.`
          : 'The target is judged on the first row.'
      } A warm baseline can read a little low where pages the warm-up freed are reused: the live growth
(heap + external) measured in the same run is shown beside it.`
    : ''
}

| | through the fetch adapter | ${d ? 'engine directly |' : ''}
| --- | ---: | ${d ? '---: |' : ''}
${
  w
    ? `| RSS growth over a warm process | ${mb(w.fetch.rssGrowth)} MB = **${fmt(w.fetch.rssGrowth / r.maxBytes)} × maxBytes** (target ≤ 1.2: ${ok(w.fetch.rssGrowth / r.maxBytes)}) | ${d ? `${mb(w.direct.rssGrowth)} MB = **${fmt(w.direct.rssGrowth / r.maxBytes)} × maxBytes** (${ok(w.direct.rssGrowth / r.maxBytes)}) |` : ''}
| live heap + external growth over a warm process | ${mb(w.fetch.heapGrowth)} MB = ${fmt(w.fetch.heapGrowth / r.maxBytes)} × maxBytes | ${d ? `${mb(w.direct.heapGrowth)} MB = ${fmt(w.direct.heapGrowth / r.maxBytes)} × maxBytes |` : ''}
| RSS growth from a cold process | ${mb(r.rssGrowth)} MB = ${fmt(ratio)} × maxBytes | ${d ? `${mb(d.rssGrowth)} MB = ${fmt(d.rssGrowth / r.maxBytes)} × maxBytes |` : ''}${controlRows(r, Boolean(d))}`
    : `| RSS growth | ${mb(r.rssGrowth)} MB = **${fmt(ratio)} × maxBytes** (target ≤ 1.2: ${ok(ratio)}) | ${d ? `${mb(d.rssGrowth)} MB = **${fmt(d.rssGrowth / r.maxBytes)} × maxBytes** (${ok(d.rssGrowth / r.maxBytes)}) |` : ''}`
}
| RSS growth from a cold process, after 10 s idle, then GC | ${r.rssGrowthIdle === undefined ? 'n/a' : `${mb(r.rssGrowthIdle)} MB = ${fmt(r.rssGrowthIdle / r.maxBytes)} × maxBytes`} | ${d ? `${d.rssGrowthIdle === undefined ? 'n/a' : `${mb(d.rssGrowthIdle)} MB = ${fmt(d.rssGrowthIdle / r.maxBytes)} × maxBytes`} |` : ''}
| RSS growth from a cold process, after a compacting (last-resort) GC | ${mb(r.rssGrowthCompacted)} MB = ${fmt(r.rssGrowthCompacted / r.maxBytes)} × maxBytes | ${d ? `${mb(d.rssGrowthCompacted)} MB = ${fmt(d.rssGrowthCompacted / r.maxBytes)} × maxBytes |` : ''}
| live heap + external growth from a cold process | ${mb(r.heapGrowth)} MB = **${fmt(r.heapGrowth / r.maxBytes)} × maxBytes** | ${d ? `${mb(d.heapGrowth)} MB = **${fmt(d.heapGrowth / r.maxBytes)} × maxBytes** |` : ''}
| V8 heap committed but not live (after GC), cold process | ${mb(r.heapSlack)} MB, of which young generation growth ${mb(r.newSpaceGrowth ?? NaN)} MB | ${d ? `${mb(d.heapSlack)} MB, of which young generation growth ${mb(d.newSpaceGrowth ?? NaN)} MB |` : ''}
| peak RSS growth during the run (before GC: garbage included), cold${w ? ' / warm' : ''} | ${mb(r.peakRssGrowth)}${w ? ` / ${mb(w.fetch.peakRssGrowth)}` : ''} MB | ${d ? `${mb(d.peakRssGrowth)}${w ? ` / ${mb(w.direct.peakRssGrowth)}` : ''} MB |` : ''}
| entries kept | ${fmtInt(r.entriesKept)} | ${d ? `${fmtInt(d.entriesKept)} |` : ''}
| bytes accounted by the store | ${mb(r.accountedBytes)} MB | ${d ? `${mb(d.accountedBytes)} MB |` : ''}
| time | ${fmt(r.seconds, 0)} s | ${d ? `${fmt(d.seconds, 0)} s |` : ''}
| real memory per entry (${fmtInt(r.calibration.keys)} entries, no eviction) | ${fmtInt(r.calibration.realPerEntry)} B | ${d ? ' |' : ''}
| accounted per entry (\`entrySize\`) | ${fmtInt(r.calibration.accountedPerEntry)} B | ${d ? ' |' : ''}
`
}

// The control (the same requests without cachefront), and how far above it the cached process ends.
function controlRows(r: MemoryResult, direct: boolean): string {
  const c = r.control
  if (c === undefined || c.rssAfter === undefined || r.rssAfter === undefined) return ''
  const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1)
  const above = r.rssAfter - c.rssAfter
  const empty = direct ? ' — |' : ''
  return `
| control: RSS growth from a cold process, the same requests without cachefront | ${mb(c.rssGrowth)} MB = ${fmt(c.rssGrowth / r.maxBytes)} × maxBytes (young generation +${mb(c.newSpaceGrowth ?? NaN)} MB) |${empty}
| RSS of the cold process with the cache, above the control's after the run | ${mb(above)} MB = **${fmt(above / r.maxBytes)} × maxBytes** (target ≤ 1.2: ${above / r.maxBytes <= 1.2 ? '✅' : '❌'}) |${empty}`
}

export function expirySection(saved: Saved<ExpiryResult> | undefined): string {
  if (!saved) return '## Latency through expiry\n\nNot run yet: `npm run bench:expiry`.\n'
  const r = saved.data
  const rows = r.rows.map((row) => {
    const rounds = (row.rounds ?? []).map((round) => `${fmt(round.p99, 0)} (${fmt(round.serverStallMs, 0)})`).join(', ')
    return `| ${row.framework} | ${row.mode} | ${fmt(row.p50, 1)} | ${fmt(row.p99, 1)} | ${fmt(row.max, 0)} | ${rounds} | ${row.handlerRuns} | ${fmtInt(row.rps)} |`
  })
  const skipped = r.skipped.map((s) => `- ${s.framework}: ${s.reason}`).join('\n')
  return `## Latency through expiry

${measured(saved)}

${r.keys} URLs requested round-robin at ${r.rate} req/s (autocannon \`overallRate\`, ${r.keys} connections) for
${r.seconds} s on the memory store; the handler takes ${r.delayMs} ms. With a 1 s ttl every entry expires about
${r.seconds} times in the window. Target: p99 with SWR as flat as with no expiry. ${r.rounds ?? 1} interleaved rounds,
each on a fresh server; p50, p99, handler runs and req/s are medians of rounds, max the highest of any round.
A stall of 100 ms anywhere on the shared machine holds up about 1 % of a window's requests, so one stall sets
a round's p99: each round's p99 is listed with, in brackets, the server's own longest event-loop stall in that
window (\`monitorEventLoopDelay\`). A long p99 beside a short stall was a stall outside the server.

| framework | entries | p50 ms | p99 ms | max ms | p99 per round (server stall) ms | handler runs | req/s |
| --- | --- | ---: | ---: | ---: | --- | ---: | ---: |
${rows.join('\n')}
${skipped ? `\nSkipped:\n${skipped}\n` : ''}`
}
