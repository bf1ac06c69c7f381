// Processes sharing one Redis: fills and invalidations cross process boundaries, and a cold key
// hit by 1,000 concurrent requests over four servers runs its handler once in the whole fleet.
import { Redis } from 'ioredis'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { redisStore } from '../../src/stores/redis.js'
import { until } from '../stores/store-contract.js'
import { REDIS_URL, connectClient, describeRedis, randomPrefix } from './helpers.js'
import { startWorker, type Worker } from './workers.js'

const workers: Worker[] = []
const prefixes: string[] = []

async function startWorkers(count: number, env: Record<string, string>): Promise<Worker[]> {
  prefixes.push(env.PREFIX!)
  const started = await Promise.all(Array.from({ length: count }, () => startWorker({ REDIS_URL, ...env })))
  workers.push(...started)
  return started
}

async function get(worker: Worker, path: string): Promise<{ status: string; body: string }> {
  const response = await fetch(worker.url + path)
  return { status: response.headers.get('cache-status') ?? '', body: await response.text() }
}

describeRedis('processes sharing Redis', () => {
  let client: Redis
  beforeAll(async () => {
    client = await connectClient()
  })
  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop()))
    for (const prefix of prefixes) {
      const store = redisStore({ client, prefix })
      await store.clear()
      await store.close()
    }
    await client.quit()
  })

  for (const storeKind of ['redis', 'tiered'] as const) {
    it(`${storeKind}: a fill in one process is a hit in the other; invalidating in one is a miss in the other`, async () => {
      const [a, b] = await startWorkers(2, { PREFIX: randomPrefix(`two-${storeKind}`), STORE: storeKind })
      if (storeKind === 'tiered')
        await until(async () => (await a!.stats()).busConnected && (await b!.stats()).busConnected)
      const filled = await get(a!, '/item/1')
      expect(filled.status).toBe('cachefront; fwd=miss; stored')
      const shared = await get(b!, '/item/1')
      expect(shared.status).toMatch(/^cachefront; hit/)
      expect(shared.body).toBe(filled.body)
      // Served again in b: on a tiered store this one comes from b's L1.
      expect((await get(b!, '/item/1')).status).toMatch(/^cachefront; hit/)

      await fetch(`${a!.url}/invalidate?tag=items`, { method: 'POST' })
      let next = await get(b!, '/item/1')
      if (storeKind === 'tiered') {
        // The L1 copy is dropped when the bus message lands (sub-millisecond here); poll for it.
        while (next.status.startsWith('cachefront; hit')) next = await get(b!, '/item/1')
      }
      expect(next.status).toBe('cachefront; fwd=miss; stored')
      expect(next.body).toContain(`rendered by ${b!.process.pid}`)
      expect((await a!.stats()).runs + (await b!.stats()).runs).toBe(2)
    })
  }

  it('1,000 concurrent cold requests over four worker processes run the handler once', async () => {
    // A 2-core machine runs five busy processes here: a generous soft timeout keeps this test
    // about single-flight, not about event-loop stalls turning reads into misses.
    const fleet = await startWorkers(4, { PREFIX: randomPrefix('stampede'), STORE: 'redis', STORE_TIMEOUT: '2000' })
    const started = Date.now()
    const responses = await Promise.all(
      Array.from({ length: 1000 }, async (_, i) => {
        const response = await fetch(`${fleet[i % 4]!.url}/item/cold`)
        return { ok: response.ok, body: await response.text() }
      }),
    )
    const elapsed = Date.now() - started
    const stats = await Promise.all(fleet.map((worker) => worker.stats()))
    const runs = stats.reduce((sum, s) => sum + s.runs, 0)
    console.info(`stampede: 1000 requests over 4 workers in ${elapsed} ms, handler runs ${runs}`)
    expect(responses.every((r) => r.ok)).toBe(true)
    expect(new Set(responses.map((r) => r.body)).size).toBe(1)
    expect(runs).toBe(1)
  })
})
