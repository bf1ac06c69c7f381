// The public types: results and arguments are inferred from fn, and a codec must match the
// function's values (tsc checks the @ts-expect-error lines; vitest only runs the file).
import { describe, expectTypeOf, it } from 'vitest'
import { createCache, jsonCodec, memoize, type Codec, type Memoized } from '../../src/index.js'

const cache = createCache()
const dates: Codec<{ at: Date }> = { encode: () => new Uint8Array(), decode: () => ({ at: new Date(0) }) }

describe('memoize types', () => {
  it('infers arguments and result from the function, whatever the codec', () => {
    const byId = memoize(async (id: number) => ({ at: new Date(id) }), { cache, name: 'byId', codec: dates })
    expectTypeOf(byId).toEqualTypeOf<Memoized<[id: number], { at: Date }>>()
    const count = memoize(async (id: number) => id, { cache, name: 'count', codec: jsonCodec })
    expectTypeOf(count(1)).toEqualTypeOf<Promise<number>>()
    expectTypeOf(count.keyFor).parameters.toEqualTypeOf<[id: number]>()
  })

  it('rejects a codec of other values, and key or tags functions of other arguments', () => {
    // @ts-expect-error a codec of Dates for a function of numbers
    memoize(async (id: number) => id, { cache, name: 'a', codec: dates })
    // @ts-expect-error the key function receives the function's arguments
    memoize(async (id: number) => id, { cache, name: 'b', key: (id: string) => id })
    // @ts-expect-error the tags function receives the function's arguments
    memoize(async (id: number) => id, { cache, name: 'c', tags: (id: string) => [id] })
  })
})
