// A start that the store decided late (Redis, tiered read over the network), for the Node adapters.
import type { RequestStart } from './request-flow.js'

/**
 * Acts on `start` unless the response was `answered` meanwhile (another middleware, such as a
 * timeout, answered; or the client left): then nothing is sent over that answer, no handler runs
 * for a request nobody waits for, and a fill this request would lead is let go at once. `act`
 * returns true when the request goes on; `next` takes the request on, or what `act` threw: inside
 * a promise callback, a throw would be an unhandled rejection, which ends a Node 20 process.
 */
export function actLate(
  start: RequestStart,
  answered: boolean,
  act: () => boolean,
  next: (error?: unknown) => void,
): void {
  if (answered) {
    if (start.kind === 'fill') start.fill.abandon()
    return
  }
  let goOn: boolean
  try {
    goOn = act()
  } catch (error) {
    next(error)
    return
  }
  if (goOn) next()
}
