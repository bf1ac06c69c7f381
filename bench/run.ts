// `npm run bench`: every benchmark in turn, then bench/RESULTS.md.
import { runExpiry } from './expiry.js'
import { saveResult } from './lib/results.js'
import { runStampede } from './stampede.js'
import { runThroughput } from './throughput.js'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

process.env.BENCH_COMMAND = 'npm run bench'
const t0 = Date.now()
await saveResult('throughput', await runThroughput())
await saveResult('stampede', await runStampede())
await saveResult('expiry', await runExpiry())
// The memory bench needs --expose-gc and a fresh heap: its own process.
const memory = spawnSync(
  process.execPath,
  ['--expose-gc', '--import', import.meta.resolve('tsx'), fileURLToPath(new URL('./memory.ts', import.meta.url))],
  { stdio: 'inherit' },
)
if (memory.status !== 0) console.log(`memory bench exited with ${memory.status}`)
console.log(`bench: done in ${Math.round((Date.now() - t0) / 1000)} s; see bench/RESULTS.md`)
