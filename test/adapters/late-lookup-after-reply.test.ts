// A lookup that waits on the store (Redis, tiered) can end after something else answered the
// request, such as a timeout middleware: the late answer must not throw (an unhandled rejection
// ends a Node 20 process), and a fill it would have led must be let go at once.
import express from 'express'
import Fastify from 'fastify'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createCache, memoryStore, type Cache, type CacheEntry, type Store } from '../../src/index.js'
import { cacheResponse as expressCache } from '../../src/adapters/express.js'
import { cachefront } from '../../src/adapters/fastify.js'
import { deferred, flushPromises, until, type Deferred } from '../helpers/deferred.js'
import { serve, type Served } from './express-harness.js'

/** A memory store whose reads wait for the test once `hold()` was called. */
function heldStore(): { store: Store; hold(): Deferred<void> } {
  const inner = memoryStore()
  let gate: Deferred<void> | undefined
  const store: Store = {
    ...inner,
    name: 'held',
    get(key: string, now: number) {
      if (gate === undefined) return inner.get(key, now)
      const waitFor = gate.promise
      gate = undefined
      return waitFor.then(() => inner.get(key, now) as CacheEntry | undefined)
    },
  }
  return {
    store,
    hold() {
      gate = deferred()
      return gate
    },
  }
}

const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)
beforeAll(() => {
  process.on('unhandledRejection', onUnhandled)
})
afterAll(() => {
  process.off('unhandledRejection', onUnhandled)
})
afterEach(() => {
  unhandled.length = 0
})

describe('express: a lookup that ends after another middleware answered', () => {
  let served: Served | undefined
  afterEach(async () => {
    await served?.close()
    served = undefined
  })

  async function appAnsweredWhileLooking(): Promise<{
    cache: Cache
    held: ReturnType<typeof heldStore>
    calls: () => number
    timeouts: Array<() => void>
  }> {
    const held = heldStore()
    const cache = createCache({ store: held.store, lockTimeout: '10s' })
    const timeouts: Array<() => void> = []
    let calls = 0
    const app = express()
    // What connect-timeout does: answer 503 later, whatever the rest of the chain is doing.
    app.use((_req, res, next) => {
      timeouts.push(() => res.status(503).end('timed out'))
      next()
    })
    app.get('/page', expressCache({ cache }), (_req, res) => {
      calls++
      res.type('text/plain').send(`v${calls}`)
    })
    served = await serve(app)
    return { cache, held, calls: () => calls, timeouts }
  }

  it('serves nothing over the timeout’s answer when a hit arrives late, and the server lives on', async () => {
    const { held, calls, timeouts } = await appAnsweredWhileLooking()
    expect(await (await served!.get('/page')).text()).toBe('v1')
    const gate = held.hold()
    const late = served!.get('/page')
    await until(() => timeouts.length === 2)
    timeouts[1]!()
    const answer = await late
    expect(answer.status).toBe(503)
    expect(await answer.text()).toBe('timed out')
    gate.resolve()
    await flushPromises()
    expect(unhandled).toEqual([])
    expect(await (await served!.get('/page')).text()).toBe('v1')
    expect(calls()).toBe(1)
  })

  it('lets a late miss’s fill go, so the next request fills at once rather than waiting for the lock', async () => {
    const { cache, held, calls, timeouts } = await appAnsweredWhileLooking()
    const gate = held.hold()
    const late = served!.get('/page')
    await until(() => timeouts.length === 1)
    timeouts[0]!()
    expect((await late).status).toBe(503)
    gate.resolve()
    await flushPromises()
    expect(unhandled).toEqual([])
    expect(calls()).toBe(0)
    expect(await (await served!.get('/page')).text()).toBe('v1')
    expect(cache.stats().coalescedWaits).toBe(0)
  })
})

describe('fastify: a lookup that ends after another hook answered', () => {
  async function appAnsweredWhileLooking() {
    const held = heldStore()
    const cache = createCache({ store: held.store, lockTimeout: '10s' })
    const timeouts: Array<() => void> = []
    let calls = 0
    const app = Fastify()
    app.addHook('onRequest', (_request, reply, done) => {
      timeouts.push(() => void reply.code(503).send('timed out'))
      done()
    })
    await app.register(cachefront, { cache })
    app.get('/page', { config: { cache: {} } }, async (_request, reply) => reply.type('text/plain').send(`v${++calls}`))
    await app.ready()
    return { app, cache, held, calls: () => calls, timeouts }
  }

  it('serves nothing over the other answer when a hit arrives late, and the server lives on', async () => {
    const { app, held, calls, timeouts } = await appAnsweredWhileLooking()
    expect((await app.inject('/page')).body).toBe('v1')
    const gate = held.hold()
    const late = app.inject('/page')
    await until(() => timeouts.length === 2)
    timeouts[1]!()
    const answer = await late
    expect(answer.statusCode).toBe(503)
    expect(answer.body).toBe('timed out')
    gate.resolve()
    await flushPromises()
    expect(unhandled).toEqual([])
    expect((await app.inject('/page')).body).toBe('v1')
    expect(calls()).toBe(1)
    await app.close()
  })

  it('lets a late miss’s fill go, so the next request fills at once rather than waiting for the lock', async () => {
    const { app, cache, held, calls, timeouts } = await appAnsweredWhileLooking()
    const gate = held.hold()
    const late = app.inject('/page')
    await until(() => timeouts.length === 1)
    timeouts[0]!()
    expect((await late).statusCode).toBe(503)
    gate.resolve()
    await flushPromises()
    expect(unhandled).toEqual([])
    expect(calls()).toBe(0)
    expect((await app.inject('/page')).body).toBe('v1')
    expect(cache.stats().coalescedWaits).toBe(0)
    await app.close()
  })
})
