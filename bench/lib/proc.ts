// Child processes of a benchmark: bench servers (pinned to one CPU) and load generators (pinned to
// another), started with taskset when it is there, always cleaned up.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { fileURLToPath } from 'node:url'
import type { ServerConfig } from '../servers/config.js'

const HAS_TASKSET = spawnSync('taskset', ['-V']).status === 0
const CPU_COUNT = cpus().length
/** CPU for servers and CPU for load generators; both undefined on a one-CPU box or without taskset. */
export const PINNING = HAS_TASKSET && CPU_COUNT >= 2 ? { server: '0', load: String(CPU_COUNT - 1) } : undefined

const children = new Set<ChildProcess>()
function killAll(): void {
  for (const child of children) child.kill('SIGKILL')
}
process.on('exit', killAll)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killAll()
    process.exit(130)
  })
}

/** Spawns `node --import tsx <script> ...args`, pinned to `cpu` when taskset is available. */
export function spawnNode(
  script: string,
  args: string[],
  cpu: string | undefined,
  nodeFlags: string[] = [],
): ChildProcess {
  const file = fileURLToPath(new URL(script, import.meta.url))
  // tsx resolved here, so that children start whatever the working directory.
  const command = [process.execPath, ...nodeFlags, '--import', import.meta.resolve('tsx'), file, ...args]
  const child =
    cpu === undefined
      ? spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] })
      : spawn('taskset', ['-c', cpu, ...command], { stdio: ['ignore', 'pipe', 'inherit'] })
  children.add(child)
  child.on('exit', () => children.delete(child))
  return child
}

export interface BenchServer {
  readonly config: ServerConfig
  readonly port: number
  readonly url: string
  readonly pid: number
  /** CPU seconds (user + system) the server has used so far. */
  cpuSeconds(): number
  stop(): Promise<void>
}

/** Starts a bench server and waits for it to listen. */
export async function startServer(config: ServerConfig, cpu = PINNING?.server): Promise<BenchServer> {
  // BENCH_SERVER_FLAGS passes node flags to bench servers (say, --cpu-prof or --trace-gc) to profile them.
  const flags = process.env.BENCH_SERVER_FLAGS?.split(' ').filter(Boolean) ?? []
  const child = spawnNode('../servers/server.ts', [JSON.stringify(config)], cpu, flags)
  const port = await new Promise<number>((resolve, reject) => {
    let out = ''
    const timer = setTimeout(
      () => reject(new Error(`server ${config.framework}/${config.variant} did not start`)),
      30_000,
    )
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const match = /READY (\d+)/.exec(out)
      if (match) {
        clearTimeout(timer)
        resolve(Number(match[1]))
      }
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`server ${config.framework}/${config.variant} exited with ${code}`))
    })
  })
  const pid = child.pid!
  return {
    config,
    port,
    url: `http://127.0.0.1:${port}`,
    pid,
    cpuSeconds() {
      try {
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
        return (Number(fields[11]) + Number(fields[12])) / 100
      } catch {
        return NaN
      }
    },
    stop() {
      if (child.exitCode !== null) return Promise.resolve()
      return new Promise((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 3_000)
        child.once('exit', () => {
          clearTimeout(timer)
          resolve()
        })
        child.kill('SIGTERM')
      })
    },
  }
}

/** Runs a load generator child (bench/lib/load-worker.ts) and returns what it printed as JSON. */
export async function runLoad<T>(spec: unknown): Promise<T> {
  const child = spawnNode('./load-worker.ts', [JSON.stringify(spec)], PINNING?.load)
  let out = ''
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()))
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  if (code !== 0) throw new Error(`load generator exited with ${code}`)
  return JSON.parse(out.trim().split('\n').pop()!) as T
}
