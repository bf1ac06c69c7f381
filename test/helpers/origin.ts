// A counting origin whose answers and timing the test controls.
import { deferred, type Deferred } from './deferred.js'

export interface Origin {
  calls: number
  /** When set, the next calls wait for this gate before answering. */
  gate: Deferred<void> | undefined
  respond: (request: Request) => Response | Promise<Response>
  handler: (request: Request) => Promise<Response>
}

export function countingOrigin(respond: (request: Request, call: number) => Response | Promise<Response>): Origin {
  const origin: Origin = {
    calls: 0,
    gate: undefined,
    respond: (request) => respond(request, origin.calls),
    async handler(request) {
      origin.calls++
      const call = origin.calls
      if (origin.gate) await origin.gate.promise
      return respond(request, call)
    },
  }
  return origin
}

export function gated(origin: Origin): Deferred<void> {
  origin.gate = deferred()
  return origin.gate
}
