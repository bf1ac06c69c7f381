// Memory bound: 1,000,000 distinct URLs through the memory store with maxBytes '64mb', driven
// in-process through the fetch adapter (every request a miss that fills and stores, as in a
// server), then RSS growth and entries kept. `npm run bench:memory` (runs node --expose-gc).
// A second measurement drives as many distinct keys through the same store via the engine directly
// (beginFill + commit, no Request/Response objects), so that the store's own growth shows beside
// what a server's request garbage adds. A control sends the same requests straight to the handler,
// without cachefront: what the traffic alone grows a process by. Each measurement, and the
// calibration of per-entry bytes, runs in a child process of its own: RSS growth measured after
// other work in the same process reads too low, since malloc and V8 reuse the pages that work
// freed (measured: 0.73 × maxBytes through the fetch adapter after calibrating in the same
// process, while live growth was 1.00 ×).
import { distModule } from './servers/stores.js'
import { getHeapSpaceStatistics } from 'node:v8'
import { spawnNode } from './lib/proc.js'
import type { EntryMeta } from '../src/stores/store.js'
import { saveResult } from './lib/results.js'
import { envNumber } from './lib/stats.js'

const KEYS = envNumber('BENCH_KEYS', 1_000_000)
const BODY_BYTES = envNumber('BENCH_MEMORY_BODY', 256)
const CALIBRATION_KEYS = envNumber('BENCH_CALIBRATION_KEYS', 50_000)
// Enough keys to grow V8's young generation to its working size (it is there after about 100,000).
const WARM_KEYS = envNumber('BENCH_WARM_KEYS', 300_000)
const MAX_BYTES = 64 * 1024 * 1024
const IDLE_MS = 10_000

export interface MemoryResult {
  readonly keys: number
  readonly bodyBytes: number
  readonly maxBytes: number
  readonly rssGrowth: number
  /** RSS after the run and GC, absolute: compared with the control's. */
  readonly rssAfter?: number
  /** After the collection V8 runs under memory pressure (compacting). */
  readonly rssGrowthCompacted: number
  /** Steady state: after IDLE_MS with nothing to do (V8's memory reducer shrinks the young generation), then GC. */
  readonly rssGrowthIdle?: number
  /** V8 heap committed beyond what is live, after regular GC: fragmentation. */
  readonly heapSlack: number
  /** Growth of V8's young generation (semi-spaces grow while many objects survive). */
  readonly newSpaceGrowth: number
  readonly peakRssGrowth: number
  readonly heapGrowth: number
  readonly entriesKept: number
  readonly accountedBytes: number
  readonly seconds: number
  /** Per entry, measured on a store that does not evict: what memory it really takes vs what is accounted. */
  readonly calibration: { readonly keys: number; readonly realPerEntry: number; readonly accountedPerEntry: number }
  /** The same keys and bodies through the engine directly (no HTTP objects), in a process of its own. */
  readonly direct?: DirectResult
  /**
   * The control: the same requests straight to the handler, no cachefront, in a cold process of
   * its own. What the traffic alone grows a process by (V8's young generation, mostly).
   */
  readonly control?: DirectResult
  /** Both measurements from the baseline of a process that has already served WARM_KEYS other keys. */
  readonly warm?: { readonly warmKeys: number; readonly fetch: DirectResult; readonly direct: DirectResult }
}

/** The store driven through the engine (createCache + beginFill/commit), without Request/Response. */
export interface DirectResult {
  readonly keys: number
  readonly rssGrowth: number
  /** RSS after the run and GC, absolute: two processes of this script compare by it. */
  readonly rssAfter?: number
  readonly rssGrowthCompacted: number
  readonly rssGrowthIdle?: number
  readonly heapSlack: number
  readonly newSpaceGrowth?: number
  readonly peakRssGrowth: number
  readonly heapGrowth: number
  readonly entriesKept: number
  readonly accountedBytes: number
  readonly seconds: number
}

// The build, as users run it (npm run bench:memory builds first).
const { createCache, memoryStore } = (await import(distModule('index.js'))) as typeof import('../src/index.js')
const { cacheResponse } = (await import(distModule('adapters/fetch.js'))) as typeof import('../src/adapters/fetch.js')

type GcOptions = { type: 'major'; execution: 'sync'; flavor?: 'regular' | 'last-resort' }
const gc = (globalThis as { gc?: (options?: GcOptions) => void }).gc
if (gc === undefined) throw new Error('run with node --expose-gc (npm run bench:memory does)')

function settle(): void {
  for (let i = 0; i < 4; i++) gc!()
}

/** RSS growth once the process has been idle a while (reported beside the immediate figure, never instead). */
async function idleGrowth(rss0: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, IDLE_MS))
  settle()
  return process.memoryUsage().rss - rss0
}

/** The collection V8 runs under memory pressure: it compacts fragmented pages and returns them. */
function settleHard(): void {
  gc!({ type: 'major', execution: 'sync', flavor: 'last-resort' })
}

function body(i: number): string {
  const head = `{"id":${i},"name":"item-${i}","data":"`
  return `${head}${'x'.repeat(Math.max(0, BODY_BYTES - head.length - 2))}"}`
}

function handlerFor(): (request: Request) => Response {
  return (request) => {
    const id = Number(request.url.slice(request.url.lastIndexOf('/') + 1))
    return new Response(body(id), { headers: { 'content-type': 'application/json; charset=utf-8' } })
  }
}

async function drive(fetchHandler: (request: Request) => Response | Promise<Response>, from: number, to: number) {
  for (let i = from; i < to; i++) {
    const response = await fetchHandler(new Request(`http://bench.test/items/${i}`))
    await response.arrayBuffer()
  }
}

function newSpaceSize(): number {
  return getHeapSpaceStatistics()
    .filter((space) => space.space_name.startsWith('new_'))
    .reduce((sum, space) => sum + space.physical_space_size, 0)
}

function heapBytes(): number {
  const usage = process.memoryUsage()
  return usage.heapUsed + usage.external
}

/** Fills a store that never evicts, so that memory growth per entry can be compared with its accounting. */
async function calibrate(): Promise<MemoryResult['calibration']> {
  const store = memoryStore({ maxBytes: '4gb' })
  const cached = cacheResponse(handlerFor(), { cache: createCache({ store, ttl: '1h' }) })
  await drive(cached, 0, 1000)
  await store.clear()
  settle()
  const before = heapBytes()
  await drive(cached, 1_000_000_000, 1_000_000_000 + CALIBRATION_KEYS)
  settle()
  const real = (heapBytes() - before) / CALIBRATION_KEYS
  const accounted = store.size().bytes / store.size().entries
  return { keys: CALIBRATION_KEYS, realPerEntry: real, accountedPerEntry: accounted }
}

// What a response entry carries, as the http layer stores it: the store accounts the meta too.
function directMeta(i: number): EntryMeta {
  const etag = `"${i.toString(16).padStart(27, '0')}"`
  return {
    status: 200,
    headers: ['content-type', 'application/json; charset=utf-8', 'etag', etag],
    etag,
    varyOn: [],
    variant: '',
    marker: false,
  }
}

// The store copies a committed body into its slabs, so one scratch buffer serves every commit: a
// fresh buffer per key would add the driver's own malloc garbage (freed only when V8 collects its
// ArrayBuffer), and this measurement is of the store's own growth.
const scratch = new Uint8Array(BODY_BYTES + 64)
const encoder = new TextEncoder()

async function driveDirect(cache: ReturnType<typeof createCache>, from: number, to: number): Promise<void> {
  const plan = { ttl: 3_600_000, staleWhileRevalidate: 0, staleIfError: 0, tags: [] as string[] }
  for (let i = from; i < to; i++) {
    const fill = cache.beginFill(`GET bench.test/items/${i}`, plan)
    const ready = fill.ready
    if (ready instanceof Promise) await ready
    const { written } = encoder.encodeInto(body(i), scratch)
    fill.commit(directMeta(i), scratch.subarray(0, written))
  }
}

type MemoryStore = ReturnType<typeof memoryStore>

/** A store and what drives keys `from` to `to` into it. */
interface Run {
  readonly store: MemoryStore
  readonly driveRange: (from: number, to: number) => Promise<void>
}

/**
 * Drives KEYS distinct keys into a new run's store after a warm-up, and measures what the process
 * grew by. With `warmKeys`, the process first serves that many other keys through a run of its own
 * (then dropped), so that the baseline is a process that has already been under this load: V8's
 * young generation grows to its working size (16 MB semi-spaces on 64-bit Node) under any
 * sustained traffic, cached or not, and a cold baseline would count it as the cache's growth.
 * `progress` prints every 200,000 keys.
 */
async function measureGrowth(createRun: () => Run, progress: boolean, warmKeys = 0): Promise<DirectResult> {
  if (warmKeys > 0) {
    const warm = createRun()
    await warm.driveRange(2_000_000_000, 2_000_000_000 + warmKeys)
    await warm.store.clear()
  }
  const { store, driveRange } = createRun()
  // Warm the code path (JIT, module state) before the baseline.
  await driveRange(0, 1000)
  await store.clear()
  settle()
  const rss0 = process.memoryUsage().rss
  const newSpace0 = newSpaceSize()
  const heap0 = heapBytes()
  let peak = rss0
  const t0 = performance.now()
  const step = 50_000
  for (let from = 0; from < KEYS; from += step) {
    await driveRange(from, Math.min(KEYS, from + step))
    peak = Math.max(peak, process.memoryUsage().rss)
    if (progress && (from / step) % 4 === 3)
      console.log(
        `  ${from + step} keys: rss +${((process.memoryUsage().rss - rss0) / 2 ** 20).toFixed(1)} MB, ${store.size().entries} entries`,
      )
  }
  const seconds = (performance.now() - t0) / 1000
  settle()
  const rssAfter = process.memoryUsage().rss
  const rssGrowth = rssAfter - rss0
  const usage = process.memoryUsage()
  settleHard()
  await new Promise((resolve) => setTimeout(resolve, 500))
  const rssGrowthCompacted = process.memoryUsage().rss - rss0
  const newSpaceGrowth = newSpaceSize() - newSpace0
  return {
    keys: KEYS,
    rssGrowth,
    rssAfter,
    rssGrowthCompacted,
    rssGrowthIdle: await idleGrowth(rss0),
    heapSlack: usage.heapTotal - usage.heapUsed,
    newSpaceGrowth,
    peakRssGrowth: peak - rss0,
    heapGrowth: heapBytes() - heap0,
    entriesKept: store.size().entries,
    accountedBytes: store.size().bytes,
    seconds,
  }
}

function directRun(): Run {
  const store = memoryStore({ maxBytes: '64mb' })
  const cache = createCache({ store, ttl: '1h' })
  return { store, driveRange: (from, to) => driveDirect(cache, from, to) }
}

function fetchRun(): Run {
  const store = memoryStore({ maxBytes: '64mb' })
  const cached = cacheResponse(handlerFor(), { cache: createCache({ store, ttl: '1h' }) })
  return { store, driveRange: (from, to) => drive(cached, from, to) }
}

/** The same requests straight to the handler, without cachefront (its store stays empty). */
function controlRun(): Run {
  const handler = handlerFor()
  return { store: memoryStore({ maxBytes: '64mb' }), driveRange: (from, to) => drive(handler, from, to) }
}

/** The direct measurement; runs in a child process so that no other run's garbage or freed pages skew it. */
async function runDirect(): Promise<DirectResult> {
  return measureGrowth(directRun, false)
}

/** The measurement through the fetch adapter; runs in a child process, like the direct one. */
async function runFetch(): Promise<Omit<MemoryResult, 'calibration' | 'direct' | 'warm'>> {
  const growth = await measureGrowth(fetchRun, true)
  return { ...growth, newSpaceGrowth: growth.newSpaceGrowth ?? 0, bodyBytes: BODY_BYTES, maxBytes: MAX_BYTES }
}

const runControl = () => measureGrowth(controlRun, false)

/** Both measurements again, each in a process that has first served WARM_KEYS other keys. */
const runWarmFetch = () => measureGrowth(fetchRun, false, WARM_KEYS)
const runWarmDirect = () => measureGrowth(directRun, false, WARM_KEYS)

const MODES = {
  '--direct': runDirect,
  '--fetch': runFetch,
  '--warm-direct': runWarmDirect,
  '--warm-fetch': runWarmFetch,
  '--calibrate': calibrate,
  '--control': runControl,
} as const
type Mode = keyof typeof MODES

/** Runs one mode of this script in a fresh process: its progress lines go through, its last line is the result. */
async function inChild<M extends Mode>(mode: M): Promise<Awaited<ReturnType<(typeof MODES)[M]>>> {
  const child = spawnNode('../memory.ts', [mode], undefined, ['--expose-gc'])
  let pending = ''
  let last = ''
  child.stdout!.on('data', (chunk: Buffer) => {
    const lines = (pending + chunk.toString()).split('\n')
    pending = lines.pop()!
    for (const line of lines) {
      // Held back one line: the last one is the result, not progress.
      if (last !== '') console.log(last)
      last = line
    }
  })
  // 'close', not 'exit': the result may still be in the pipe when the process exits.
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  if (code !== 0) throw new Error(`memory measurement ${mode} exited with ${code}`)
  return JSON.parse(pending.trim() || last) as Awaited<ReturnType<(typeof MODES)[M]>>
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`

/** The progress line every measurement prints: RSS and live growth, entries kept. */
function growthLine(result: DirectResult, extra = ''): string {
  return (
    `  rss growth ${mb(result.rssGrowth)} (${(result.rssGrowth / MAX_BYTES).toFixed(2)} × maxBytes), ` +
    `heap+external growth ${mb(result.heapGrowth)}, ${result.entriesKept} entries, ${result.seconds.toFixed(0)} s${extra}`
  )
}

async function warmInChild(mode: '--warm-fetch' | '--warm-direct'): Promise<DirectResult> {
  const path = mode === '--warm-fetch' ? 'the fetch adapter' : 'the engine directly'
  console.log(`memory: ${KEYS} distinct keys through ${path}, in a process that first served ${WARM_KEYS} others`)
  const result = await inChild(mode)
  console.log(growthLine(result, `; young generation +${mb(result.newSpaceGrowth ?? 0)}`))
  return result
}

export async function runMemory(): Promise<MemoryResult> {
  console.log(`memory: ${KEYS} distinct keys through the engine directly (beginFill + commit), in a child process`)
  const direct = await inChild('--direct')
  console.log(growthLine(direct))
  console.log(
    `memory: ${KEYS} distinct URLs through the fetch adapter, ${BODY_BYTES} B bodies, maxBytes 64mb, in a child process`,
  )
  const fetched = await inChild('--fetch')
  console.log(
    growthLine(
      fetched,
      `; after a compacting GC rss growth ${mb(fetched.rssGrowthCompacted)}, heap slack ${mb(fetched.heapSlack)} ` +
        `(young generation +${mb(fetched.newSpaceGrowth)}); after ${IDLE_MS / 1000} s idle rss growth ${mb(fetched.rssGrowthIdle!)}`,
    ),
  )
  console.log(`memory: control, the same ${KEYS} requests straight to the handler (no cachefront), in a child process`)
  const control = await inChild('--control')
  console.log(
    growthLine(control, `; young generation +${mb(control.newSpaceGrowth ?? 0)}`) +
      `\n  the process with the cache ends ${mb(fetched.rssAfter! - control.rssAfter!)} above it ` +
      `(${((fetched.rssAfter! - control.rssAfter!) / MAX_BYTES).toFixed(2)} × maxBytes)`,
  )
  console.log(`memory: calibrating per-entry size over ${CALIBRATION_KEYS} entries, in a child process`)
  const calibration = await inChild('--calibrate')
  console.log(
    `  real ${Math.round(calibration.realPerEntry)} B/entry, accounted ${Math.round(calibration.accountedPerEntry)} B/entry`,
  )
  const warm = {
    warmKeys: WARM_KEYS,
    fetch: await warmInChild('--warm-fetch'),
    direct: await warmInChild('--warm-direct'),
  }
  return { ...fetched, calibration, direct, control, warm }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const mode = (Object.keys(MODES) as Mode[]).find((flag) => process.argv.includes(flag))
  if (mode !== undefined) process.stdout.write(`${JSON.stringify(await MODES[mode]())}\n`)
  else await saveResult('memory', await runMemory())
}
