import { describe, expect, it } from 'vitest'
import { createCache } from '../../src/index.js'
import { seedApp } from '../../examples/seed-app/app.js'

describe('the seed app (npm run demo)', () => {
  it('answers /json/ and / with MISS then HIT', async () => {
    const app = seedApp({ cache: createCache(), queryMs: 5 })
    for (const path of ['/json/', '/']) {
      const miss = await app.request(`http://localhost${path}`)
      expect(miss.headers.get('cache-status')).toBe('cachefront; fwd=miss; stored')
      const hit = await app.request(`http://localhost${path}`)
      expect(hit.headers.get('cache-status')).toMatch(/^cachefront; hit/)
      expect(await hit.text()).toBe(await miss.text())
    }
    expect(await (await app.request('http://localhost/json/')).json()).toEqual({ message: 'Hello World' })
  })
})
