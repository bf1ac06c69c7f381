// A real Hono app with one cached route and a counting handler, driven with app.request().
import { Hono, type Context } from 'hono'
import { createCache, type Cache, type CacheOptions } from '../../src/index.js'
import { cacheResponse } from '../../src/adapters/hono.js'
import type { RouteOptions } from '../../src/http/route-options.js'
import { fakeClock, type FakeClock } from './clock.js'

export interface HonoFixture {
  app: Hono
  cache: Cache
  clock: FakeClock
  calls: () => number
  get(path: string, init?: RequestInit): Promise<Response>
}

export function honoFixture(
  handler: (c: Context, call: number) => Response | Promise<Response>,
  route: Omit<RouteOptions, 'cache'> = {},
  cacheOptions: CacheOptions = {},
): HonoFixture {
  const clock = fakeClock()
  const cache = createCache({ now: clock, ...cacheOptions })
  const app = new Hono()
  let calls = 0
  const cached = cacheResponse({ cache, ...route })
  app.on(['GET', 'POST', 'PUT', 'DELETE'], '*', cached, (c) => handler(c, ++calls))
  return {
    app,
    cache,
    clock,
    calls: () => calls,
    get: async (path, init) => app.request(`http://app.test${path}`, init),
  }
}
