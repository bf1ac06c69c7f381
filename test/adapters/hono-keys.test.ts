import { describe, expect, it } from 'vitest'
import { honoFixture } from '../helpers/hono-app.js'

describe('hono adapter: what splits the key', () => {
  it('shares one entry between query parameter orders, not between values', async () => {
    const { get, calls } = honoFixture((c, call) => c.text(`${c.req.query('a')}-${call}`))
    expect(await (await get('/q?a=1&b=2')).text()).toBe('1-1')
    expect(await (await get('/q?b=2&a=1')).text()).toBe('1-1')
    expect(await (await get('/q?a=2')).text()).toBe('2-2')
    expect(calls()).toBe(2)
  })

  it('keeps the order of a repeated parameter’s values', async () => {
    const { get, calls } = honoFixture((c) => c.text(c.req.queries('a')!.join(',')))
    expect(await (await get('/q?a=1&a=2')).text()).toBe('1,2')
    expect(await (await get('/q?a=2&a=1')).text()).toBe('2,1')
    expect(calls()).toBe(2)
  })

  it('ignores request headers not named in vary', async () => {
    const { get, calls } = honoFixture((c) => c.text(`hello ${c.req.header('accept-language') ?? ''}`))
    await get('/', { headers: { 'accept-language': 'fr' } })
    const second = await get('/', { headers: { 'accept-language': 'de' } })
    expect(await second.text()).toBe('hello fr')
    expect(calls()).toBe(1)
  })

  it('splits on headers named in the route’s vary', async () => {
    const { get, calls } = honoFixture((c) => c.text(`hello ${c.req.header('accept-language')}`), {
      vary: ['Accept-Language'],
    })
    expect(await (await get('/', { headers: { 'accept-language': 'fr' } })).text()).toBe('hello fr')
    expect(await (await get('/', { headers: { 'accept-language': 'de' } })).text()).toBe('hello de')
    expect(await (await get('/', { headers: { 'accept-language': 'fr' } })).text()).toBe('hello fr')
    expect(calls()).toBe(2)
  })

  it('splits on headers named in the response’s Vary', async () => {
    const { get, calls } = honoFixture((c) => {
      c.header('vary', 'Accept-Language')
      return c.text(`hello ${c.req.header('accept-language')}`)
    })
    expect(await (await get('/', { headers: { 'accept-language': 'fr' } })).text()).toBe('hello fr')
    expect(await (await get('/', { headers: { 'accept-language': 'de' } })).text()).toBe('hello de')
    const again = await get('/', { headers: { 'accept-language': 'fr' } })
    expect(await again.text()).toBe('hello fr')
    expect(again.headers.get('cache-status')).toMatch(/^cachefront; hit/)
    const otherAgain = await get('/', { headers: { 'accept-language': 'de' } })
    expect(await otherAgain.text()).toBe('hello de')
    expect(calls()).toBe(2)
  })

  it('gives different variants different ETags', async () => {
    const { get } = honoFixture((c) => {
      c.header('vary', 'Accept-Language')
      return c.text('same body')
    })
    const fr = await get('/', { headers: { 'accept-language': 'fr' } })
    const de = await get('/', { headers: { 'accept-language': 'de' } })
    expect(fr.headers.get('etag')).not.toBe(de.headers.get('etag'))
    const crossed = await get('/', { headers: { 'accept-language': 'de', 'if-none-match': fr.headers.get('etag')! } })
    expect(crossed.status).toBe(200)
  })

  it('uses a custom key function', async () => {
    const { get, calls } = honoFixture((c, call) => c.text(`call ${call}`), { key: (request) => request.path })
    await get('/x?a=1')
    expect(await (await get('/x?a=2')).text()).toBe('call 1')
    expect(calls()).toBe(1)
  })

  it('keys by host', async () => {
    const { app, calls } = honoFixture((c) => c.text(new URL(c.req.url).host))
    expect(await (await app.request('http://one.test/')).text()).toBe('one.test')
    expect(await (await app.request('http://two.test/')).text()).toBe('two.test')
    expect(calls()).toBe(2)
  })
})
