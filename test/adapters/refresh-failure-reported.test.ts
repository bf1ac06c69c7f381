// A stale-while-revalidate refresh that fails (the origin answers 5xx, or throws, which the
// frameworks turn into a 500) keeps the stale entry and is reported to onError: an origin that is
// down must not stay invisible for the whole stale window.
import { describe, expect, it } from 'vitest'
import type { CacheError } from '../../src/index.js'
import { until } from '../helpers/deferred.js'
import { ADAPTERS } from '../security/fixtures/apps.js'
import { useApps } from '../security/fixtures/suite.js'

describe.each(ADAPTERS)('%s: a failed background refresh', (adapter) => {
  const open = useApps()

  for (const failure of ['status', 'throw'] as const) {
    it(`is reported when the origin ${failure === 'status' ? 'answers 503' : 'throws'}, and the stale entry stays`, async () => {
      const errors: CacheError[] = []
      const app = await open(
        adapter,
        (_request, call) => {
          if (call === 1) return { body: 'good' }
          if (failure === 'throw') throw new Error('origin down')
          return { status: 503, body: 'down' }
        },
        { cache: { onError: (error) => void errors.push(error) }, route: { ttl: '10s', staleWhileRevalidate: '1m' } },
      )
      expect((await app.send('/page')).body).toBe('good')
      app.clock.advance(20_000)
      expect((await app.send('/page')).body).toBe('good')
      await until(() => errors.some((error) => error.code === 'E_REFRESH_FAILED'), 'the refresh failure reported')
      expect(app.calls()).toBe(2)
      expect(app.cache.stats().errors).toBeGreaterThan(0)
      expect((await app.send('/page')).body).toBe('good')
    })
  }
})
