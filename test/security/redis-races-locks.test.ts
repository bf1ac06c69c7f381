// Races of the fleet-wide fill lock over a real Redis (127.0.0.1:6379): a holder whose lock
// expires under it, a holder killed mid-fill, and an invalidation from another process during a
// fill. Each simulated process has its own connection, store and cache; origins are gated by
// deferreds, and every wait polls an observable condition (a Redis key, a counter) with a bound.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { memoryStore } from '../../src/index.js'
import { redisStore, tieredStore } from '../../src/stores/redis.js'
import type { Store } from '../../src/stores/store.js'
import { fakeClock } from '../helpers/clock.js'
import { deferred } from '../helpers/deferred.js'
import { REDIS_URL, describeRedis } from '../redis/helpers.js'
import { until } from '../stores/store-contract.js'
import {
  entryKey,
  heldClient,
  lockKey,
  raceApp,
  type HeldClient,
  type RaceApp,
  type RaceAppOptions,
  raceResources,
} from './fixtures/redis-races.js'

const HOLDER = fileURLToPath(new URL('./fixtures/redis-holder.ts', import.meta.url))
type Kind = 'redis' | 'tiered'

describeRedis('redis races: fill locks', () => {
  const resources = raceResources()
  const { opened, newPrefix } = resources

  /** A simulated process: its own connection (whose entry writes the test can hold), store and app. */
  async function simulate(kind: Kind, prefix: string, options: RaceAppOptions): Promise<RaceApp & HeldClient> {
    const held = await heldClient()
    const l2 = redisStore({ client: held.client, prefix })
    const store: Store & { busConnected?: boolean } = kind === 'tiered' ? tieredStore({ l1: memoryStore(), l2 }) : l2
    if (kind === 'tiered') await until(async () => store.busConnected === true)
    const app = raceApp(store, options)
    opened.push({ close: () => app.close().then(() => held.client.quit()) })
    return Object.assign(app, held)
  }

  const lockTaken = (prefix: string, key: string) => async () =>
    (await resources.admin.exists(lockKey(prefix, key))) === 1
  const stored = (prefix: string, key: string, text: string) => async () =>
    (await resources.admin.getBuffer(entryKey(prefix, key)))?.includes(text) === true

  describe.each(['redis', 'tiered'] as const)('%s store', (kind) => {
    it('a holder whose lock expired does not overwrite the newer entry stored by its successor', async () => {
      const prefix = newPrefix('fence')
      // A's lock lives 300 ms (Redis time); B waits up to 3 s for a holder before running itself.
      const a = await simulate(kind, prefix, { name: 'A', cache: { lockTimeout: 300, now: fakeClock() } })
      const b = await simulate(kind, prefix, { name: 'B', cache: { lockTimeout: 3000, now: fakeClock() } })
      const slow = deferred()
      a.gates.set(1, slow)
      const filling = a.get('/item/1')
      await until(async () => a.calls() === 1)
      expect(await lockTaken(prefix, '/item/1')()).toBe(true)

      // B waits for A, sees the lock expire, takes it over and stores its own, newer entry.
      const taken = await b.get('/item/1')
      expect(taken.body).toBe('1 by B #1')
      await until(stored(prefix, '/item/1', 'by B #1'))

      // A finishes last; its write is held on the wire, as on a slow link, while A is read again.
      a.hold()
      slow.resolve()
      expect((await filling).body).toBe('1 by A #1')
      expect((await a.get('/item/1')).body).toBe('1 by B #1')
      a.release()
      await until(async () => a.writesDone() === 1)

      const reader = await simulate(kind, prefix, { name: 'C', cache: { now: fakeClock() } })
      for (const app of [a, b, reader]) expect((await app.get('/item/1')).body).toBe('1 by B #1')
      expect(await stored(prefix, '/item/1', 'by B #1')()).toBe(true)
      expect(a.calls() + b.calls() + reader.calls()).toBe(2)
    })

    it.each(['tags', 'keys'] as const)(
      'an invalidation by %s from another process during a fill: the fill is never served as fresh',
      async (by) => {
        const prefix = newPrefix(`inval-${by}`)
        const a = await simulate(kind, prefix, { name: 'A', cache: { lockTimeout: 300, now: fakeClock() } })
        const b = await simulate(kind, prefix, { name: 'B', cache: { now: fakeClock() } })
        const slow = deferred()
        a.gates.set(1, slow)
        const filling = a.get('/item/1')
        await until(async () => a.calls() === 1)
        await b.cache.invalidate(by === 'tags' ? { tags: ['items'] } : { keys: ['/item/1'] })

        // A's caller gets A's answer (it asked before the invalidation); nobody else ever does.
        a.hold()
        slow.resolve()
        expect((await filling).body).toBe('1 by A #1')
        expect((await a.get('/item/1')).body).not.toBe('1 by A #1')
        a.release()
        await until(async () => a.writesDone() >= 1)
        const reader = await simulate(kind, prefix, { name: 'C', cache: { now: fakeClock() } })
        for (const app of [a, b, reader]) expect((await app.get('/item/1')).body).not.toBe('1 by A #1')
      },
    )
  })

  it('a holder process SIGKILLed mid-fill: waiters in other processes proceed after the lock TTL, one fills', async () => {
    const prefix = newPrefix('killed')
    const holder = spawn(process.execPath, ['--import', 'tsx', HOLDER], {
      env: { ...process.env, REDIS_URL, PREFIX: prefix, LOCK_MS: '500', PATH_TO_FILL: '/item/1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const exited = new Promise((resolve) => holder.once('exit', resolve))
    opened.push({ close: () => (holder.exitCode === null ? (holder.kill('SIGKILL'), exited) : exited) })
    let output = ''
    holder.stdout!.on('data', (chunk: Buffer) => void (output += chunk.toString()))
    await until(async () => output.includes('filling'), 10_000)
    expect(await lockTaken(prefix, '/item/1')()).toBe(true)

    // Three processes, four requests each, all arriving while the dead holder's lock still stands.
    // Whoever takes the lock over answers only when the test says so, so that the others must
    // decide what to do while it fills.
    const fleet = await Promise.all(
      ['A', 'B', 'C'].map((name) => simulate('redis', prefix, { name, cache: { lockTimeout: 3000 } })),
    )
    const takeover = deferred()
    for (const app of fleet) app.gates.set(1, takeover)
    const requests = fleet.flatMap((app) => Array.from({ length: 4 }, () => app.get('/item/1')))
    holder.kill('SIGKILL')
    await exited
    await until(async () => fleet.some((app) => app.calls() === 1), 5000)
    // The new holder has its lock from here on. Each other process then either runs the origin or
    // polls that lock: its choice is made. (A process may try the lock again after the dead
    // holder's expired, or, when its poll never fell between that expiry and the new holder's
    // SET, keep polling without trying: both are waiting for the new holder.)
    const taken = fleet.map((app) => app.sent.length)
    const decided = (app: (typeof fleet)[number], i: number): boolean =>
      app.calls() > 0 || app.sent.lastIndexOf('exists') >= taken[i]!
    await until(async () => fleet.every(decided), 5000)
    takeover.resolve()

    const replies = await Promise.all(requests)
    expect(replies.map((reply) => reply.status)).toEqual(Array(12).fill(200))
    expect(new Set(replies.map((reply) => reply.body)).size).toBe(1)
    expect(fleet.reduce((sum, app) => sum + app.calls(), 0)).toBe(1)
  })
})
