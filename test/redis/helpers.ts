// Shared by the Redis suites: finding the server (skip, or fail under CI), fresh clients and
// prefixes, and redis-server processes the tests start and stop themselves.
import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Redis, type RedisOptions } from 'ioredis'
import { describe } from 'vitest'
import { until } from '../stores/store-contract.js'

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const run = promisify(execFile)

async function reachable(url: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null })
  probe.on('error', () => undefined)
  try {
    await probe.connect()
    return (await probe.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    probe.disconnect()
  }
}

const available = await reachable(REDIS_URL)
if (!available) {
  // Under CI a missing Redis is a broken environment, not a reason to pass.
  if (process.env.CI) throw new Error(`cachefront: Redis is required under CI and ${REDIS_URL} does not answer`)
  console.warn(`cachefront: skipping Redis suites: ${REDIS_URL} does not answer (set REDIS_URL, or start redis-server)`)
}

/** `describe`, skipped with a message when no Redis answers (never under CI). */
export const describeRedis = describe.skipIf(!available)

/** A key prefix no other test file (or run) shares. */
export function randomPrefix(name: string): string {
  return `test-${name}-${randomBytes(4).toString('hex')}`
}

/** A client configured as the README recommends: nothing queues while the link is down. */
export async function connectClient(url = REDIS_URL, options: RedisOptions = {}): Promise<Redis> {
  const client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true, ...options })
  client.on('error', () => undefined)
  await client.connect()
  return client
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

export interface RedisServer {
  readonly port: number
  readonly url: string
  /** SIGKILL: the server dies without a goodbye, as in a crash. */
  kill(): Promise<void>
  /** Starts it again on the same port. */
  start(): Promise<void>
}

/** A redis-server of the test's own, on a free port, with persistence off. */
export async function startRedisServer(extraArgs: string[] = [], port?: number, dir?: string): Promise<RedisServer> {
  const chosen = port ?? (await freePort())
  let child: ChildProcess | undefined
  const server: RedisServer = {
    port: chosen,
    url: `redis://127.0.0.1:${chosen}`,
    async start() {
      const args = ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs]
      const spawned = spawn('redis-server', args, { cwd: dir, stdio: 'ignore' })
      child = spawned
      // Bounded polling of an observable condition: the server answering PING.
      await until(() => reachable(server.url), 10_000)
    },
    async kill() {
      const dying = child
      child = undefined
      if (dying === undefined || dying.exitCode !== null) return
      const exited = new Promise((resolve) => dying.once('exit', resolve))
      dying.kill('SIGKILL')
      await exited
    },
  }
  await server.start()
  return server
}

export interface LocalCluster {
  readonly ports: readonly number[]
  stop(): Promise<void>
}

/** Three masters in cluster mode, no replicas, created with redis-cli --cluster create. */
export async function startCluster(): Promise<LocalCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'cachefront-cluster-'))
  const servers: RedisServer[] = []
  try {
    for (let i = 0; i < 3; i++) {
      const port = await freePort()
      const args = [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
        '--cluster-node-timeout',
        '2000',
      ]
      servers.push(await startRedisServer(args, port, dir))
    }
    const nodes = servers.map((server) => `127.0.0.1:${server.port}`)
    await run('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'])
    await until(async () => {
      const states = await Promise.all(
        servers.map(async (server) => (await run('redis-cli', ['-p', String(server.port), 'cluster', 'info'])).stdout),
      )
      return states.every((info) => info.includes('cluster_state:ok'))
    }, 15_000)
  } catch (error) {
    await Promise.all(servers.map((server) => server.kill()))
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  return {
    ports: servers.map((server) => server.port),
    async stop() {
      await Promise.all(servers.map((server) => server.kill()))
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
