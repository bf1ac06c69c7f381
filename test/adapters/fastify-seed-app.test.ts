// The Fastify twin of the seed app: each route misses once, then hits with the same bytes.
import { describe, expect, it } from 'vitest'
import { seedFastifyApp } from '../../examples/seed-app/fastify.js'

describe('fastify seed app', () => {
  it('serves /json/ and the HTML page from the cache after the first request', async () => {
    const app = await seedFastifyApp({ queryMs: 0 })
    for (const url of ['/json/', '/']) {
      const miss = await app.inject(url)
      expect(miss.headers['cache-status']).toBe('cachefront; fwd=miss; stored')
      const hit = await app.inject(url)
      expect(hit.headers['cache-status']).toMatch(/^cachefront; hit/)
      expect(hit.body).toBe(miss.body)
    }
    expect((await app.inject('/json/')).body).toBe('{"message":"Hello World"}')
    expect((await app.inject('/')).body).toContain('<h1>Hello World</h1>')
    await app.close()
  })
})
