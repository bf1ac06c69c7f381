// The Redis server the tiered and Redis-only variants share: reachability, its CPU use (a
// Redis-backed hit costs CPU there too), and removal of the bench's keys afterwards.
import { readFileSync } from 'node:fs'
import { Redis } from 'ioredis'
import { REDIS_URL } from '../servers/config.js'

export const BENCH_PREFIX = 'cfbench:'

async function withClient<T>(run: (client: Redis) => Promise<T>): Promise<T | undefined> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  client.on('error', () => undefined)
  try {
    await client.connect()
    return await run(client)
  } catch {
    return undefined
  } finally {
    client.disconnect()
  }
}

/** The Redis server's pid when it answers and runs on this host, 0 when it answers elsewhere, undefined when down. */
export async function redisPid(): Promise<number | undefined> {
  return withClient(async (client) => {
    const info = await client.info('server')
    const pid = Number(/process_id:(\d+)/.exec(info)?.[1] ?? 0)
    try {
      readFileSync(`/proc/${pid}/stat`)
      return pid
    } catch {
      return 0
    }
  })
}

/** CPU seconds a process has used (0 when it cannot be read). */
export function processCpuSeconds(pid: number): number {
  if (pid === 0) return 0
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return 0
  }
}

/** Deletes every key the bench wrote under `prefix`. */
export async function clearRedisPrefix(prefix = BENCH_PREFIX): Promise<void> {
  await withClient(async (client) => {
    let cursor = '0'
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
      cursor = next
      if (keys.length > 0) await client.del(...keys)
    } while (cursor !== '0')
  })
}
