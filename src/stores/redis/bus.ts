// The store's subscriber connection (a duplicate of the client): fill announcements for
// waitForFill, and the invalidation bus that tiered stores listen to.
import type { Cluster, Redis } from 'ioredis'
import type { RedisClient } from './client.js'
import type { KeyLayout } from './keys.js'

/** What the bus carries: every process that keeps copies (tiered L1) must drop them. */
export type BusMessage =
  | { readonly kind: 'tags'; readonly tags: readonly string[] }
  | { readonly kind: 'delete'; readonly key: string }
  | { readonly kind: 'clear' }

export interface BusListener {
  message(message: BusMessage): void
  /** The subscription is live (again): whatever was missed while it was down must be dropped. */
  subscribed(): void
  /** The subscription dropped: messages may be missed until `subscribed` is called again. */
  dropped(): void
}

export function busMessage(message: BusMessage): string {
  if (message.kind === 'tags') return JSON.stringify({ k: 'tags', t: message.tags })
  if (message.kind === 'delete') return JSON.stringify({ k: 'delete', key: message.key })
  return JSON.stringify({ k: 'clear' })
}

/** Parses a bus message; anything else published on the channel is ignored, never trusted. */
export function parseBusMessage(text: string): BusMessage | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  const { k, t, key } = value as Record<string, unknown>
  if (k === 'clear') return { kind: 'clear' }
  if (k === 'delete' && typeof key === 'string') return { kind: 'delete', key }
  if (k === 'tags' && Array.isArray(t) && t.every((tag) => typeof tag === 'string')) return { kind: 'tags', tags: t }
  return undefined
}

export class Subscriber {
  readonly #client: RedisClient
  readonly #keys: KeyLayout
  readonly #listeners = new Set<BusListener>()
  readonly #fillWaiters = new Map<string, Set<() => void>>()
  #connection: Redis | Cluster | undefined
  #live = false
  #closed = false

  constructor(client: RedisClient, keys: KeyLayout) {
    this.#client = client
    this.#keys = keys
  }

  /** True while both channels are subscribed on a connected link. */
  get live(): boolean {
    return this.#live
  }

  listen(listener: BusListener): () => void {
    this.#listeners.add(listener)
    this.start()
    return () => this.#listeners.delete(listener)
  }

  /** Calls `wake` when a fill of `key` is announced, or when the link drops. Returns an unsubscribe. */
  onFill(key: string, wake: () => void): () => void {
    this.start()
    let waiters = this.#fillWaiters.get(key)
    if (waiters === undefined) this.#fillWaiters.set(key, (waiters = new Set()))
    waiters.add(wake)
    return () => {
      waiters.delete(wake)
      if (waiters.size === 0 && this.#fillWaiters.get(key) === waiters) this.#fillWaiters.delete(key)
    }
  }

  /** Opens the subscriber connection once; ioredis reconnects it and we resubscribe on `ready`. */
  start(): void {
    if (this.#connection !== undefined || this.#closed) return
    // The duplicate keeps the user's connection options; a subscriber may queue while it connects.
    const connection = this.#client.isCluster
      ? (this.#client as Cluster).duplicate(undefined, { enableOfflineQueue: true })
      : (this.#client as Redis).duplicate({ enableOfflineQueue: true })
    this.#connection = connection
    // An unhandled 'error' event would crash the process; connection errors surface as `dropped`.
    connection.on('error', () => undefined)
    connection.on('ready', () => void this.#subscribe(connection))
    connection.on('close', () => this.#drop())
    connection.on('end', () => this.#drop())
    connection.on('message', (channel: string, message: string) => this.#message(channel, message))
    if (connection.status === 'wait') connection.connect().catch(() => undefined)
    if (connection.status === 'ready') void this.#subscribe(connection)
  }

  async #subscribe(connection: Redis | Cluster): Promise<void> {
    try {
      // Awaited before going live, so nothing published after `subscribed()` can be missed.
      await connection.subscribe(this.#keys.busChannel, this.#keys.fillChannel)
    } catch {
      return
    }
    if (this.#closed || connection.status !== 'ready') return
    this.#live = true
    for (const listener of this.#listeners) listener.subscribed()
  }

  #drop(): void {
    const wasLive = this.#live
    this.#live = false
    if (wasLive) for (const listener of this.#listeners) listener.dropped()
    // Waiters would otherwise sit out their whole timeout: wake them to read (or run) now.
    const waiters = [...this.#fillWaiters.values()]
    this.#fillWaiters.clear()
    for (const set of waiters) for (const wake of set) wake()
  }

  #message(channel: string, message: string): void {
    if (channel === this.#keys.fillChannel) {
      const waiters = this.#fillWaiters.get(message)
      if (waiters === undefined) return
      this.#fillWaiters.delete(message)
      for (const wake of waiters) wake()
      return
    }
    if (channel !== this.#keys.busChannel) return
    const parsed = parseBusMessage(message)
    if (parsed === undefined) return
    for (const listener of this.#listeners) listener.message(parsed)
  }

  close(): void {
    this.#closed = true
    this.#drop()
    this.#listeners.clear()
    this.#connection?.disconnect()
    this.#connection = undefined
  }
}
