// Cluster-wide single-flight: a fill lock per key (SET NX PX with a random token), released by
// compare-and-delete, and waiting for another process's fill (pub/sub, with bounded polling).
import { randomBytes } from 'node:crypto'
import type { FillLock } from '../store.js'
import type { Subscriber } from './bus.js'
import { assertReady, type Commands } from './client.js'
import type { KeyLayout } from './keys.js'
import { RELEASE, runScript } from './scripts.js'

// Polling is the fallback when an announcement is lost (subscriber reconnecting, Cluster failover):
// it starts fast, backs off, and never waits longer than this between checks.
const FIRST_POLL_MS = 20
const MAX_POLL_MS = 500
// A poll unanswered this long: the link is gone in all but name (a frozen connection still reads
// 'ready'), and a waiter stops waiting, as when the link drops, rather than sit out the lock.
const POLL_ANSWER_MS = 250

export async function acquireFillLock(
  client: Commands,
  keys: KeyLayout,
  key: string,
  ttlMs: number,
): Promise<FillLock | undefined> {
  assertReady(client)
  // 128 random bits: a token no other holder can produce, so release and fencing are exact.
  const token = randomBytes(16).toString('base64url')
  const taken = await client.call('set', [keys.lock(key), token, 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX'])
  if (taken !== 'OK') return undefined
  return {
    key,
    token,
    async release() {
      assertReady(client)
      await runScript(client, RELEASE, [keys.lock(key)], [token, keys.fillChannel, key])
    },
  }
}

/**
 * Resolves when `key`'s fill is announced (stored or released), when its lock is seen gone, when
 * the link drops, or after `timeoutMs`: never later, and never rejects.
 */
export function waitForFill(
  client: Commands,
  subscriber: Subscriber,
  keys: KeyLayout,
  key: string,
  timeoutMs: number,
): Promise<void> {
  return new Promise<void>((resolve) => {
    if (client.status !== 'ready') return resolve()
    let settled = false
    let pollTimer: NodeJS.Timeout | undefined
    let answerTimer: NodeJS.Timeout | undefined
    const finish = (): void => {
      if (settled) return
      settled = true
      clearTimeout(deadline)
      clearTimeout(pollTimer)
      clearTimeout(answerTimer)
      stopListening()
      resolve()
    }
    const deadline = setTimeout(finish, timeoutMs)
    // Registered before the first check: an announcement between the two cannot be missed.
    const stopListening = subscriber.onFill(key, finish)
    const check = (delay: number): void => {
      if (settled) return
      if (client.status !== 'ready') return finish()
      answerTimer = setTimeout(finish, POLL_ANSWER_MS)
      client.call('exists', [keys.lock(key)]).then((exists) => {
        clearTimeout(answerTimer)
        if (settled) return
        if (exists === 0) return finish()
        pollTimer = setTimeout(() => check(Math.min(delay * 2, MAX_POLL_MS)), delay)
      }, finish)
    }
    check(FIRST_POLL_MS)
  })
}
