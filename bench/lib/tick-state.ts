// The slow process state. Now and then a Node 20 process stops building its nextTick objects
// inline and goes through V8's runtime on every call: in V8's map log, the object literal in
// nextTick starts from another root map than the one its feedback recorded, the feedback turns
// megamorphic, and it stays so. Node's streams call nextTick several times per request, so such a
// process spends 1.2-2 × the CPU per request for its whole life, whatever it serves (callgrind, a
// Hono hit: ~34k more instructions per request, all under nextTick). It is not the code under test:
// a bench pair with such a process measures V8's accident, not the cache.
import type { BenchServer } from './proc.js'

/**
 * A process whose nextTick call costs more than this many times an object literal of the same
 * shape is in the slow state: healthy processes read 1.6-3.0, slow ones 16-21 (the full run of
 * 2026-11-26 13:07 UTC, 3 frameworks; a ratio holds on any machine where absolute times would not).
 */
export const SLOW_TICK_RATIO = 8

/** Whether a tick ratio (`tickRatio`) marks the slow state. */
export function isSlowTickRatio(ratio: number): boolean {
  return ratio > SLOW_TICK_RATIO
}

/** The server's nextTick cost as a multiple of a plain object literal's (its `/__ticks` route). */
export async function tickRatio(server: BenchServer): Promise<number> {
  // The first ask compiles the probe's own loops; the second measures them compiled.
  await askTicks(server)
  const [tickNs, literalNs] = await askTicks(server)
  return tickNs / literalNs
}

async function askTicks(server: BenchServer): Promise<[number, number]> {
  const read = async () => (await fetch(`${server.url}/__ticks`)).text()
  // A kept-alive connection the server has just timed out fails once; a new one does not.
  const text = await read().catch(read)
  const [tick, literal] = text.split(' ').map(Number)
  if (!(tick! > 0 && literal! > 0)) throw new Error(`bench server answered /__ticks with ${JSON.stringify(text)}`)
  return [tick!, literal!]
}
