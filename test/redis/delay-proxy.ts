// A TCP proxy that delays every chunk in both directions by `delayMs`: a slow Redis, on demand;
// or, `frozen`, holds them all: a link that stays open and never answers.
import { createServer, connect, type Socket } from 'node:net'

export interface DelayProxy {
  readonly port: number
  delayMs: number
  frozen: boolean
  /** Unfreezes, sending what was held. */
  thaw(): void
  close(): Promise<void>
}

export async function startDelayProxy(targetPort: number): Promise<DelayProxy> {
  const sockets = new Set<Socket>()
  const held: (() => void)[] = []
  const proxy = { delayMs: 0, frozen: false } as DelayProxy
  const relay = (from: Socket, to: Socket): void => {
    from.on('data', (chunk) => {
      const send = (): unknown => to.destroyed || to.write(chunk)
      if (proxy.frozen) held.push(send)
      // Equal delays fire in order, so the byte stream stays intact.
      else if (proxy.delayMs === 0) to.write(chunk)
      else setTimeout(() => to.destroyed || to.write(chunk), proxy.delayMs)
    })
    from.on('close', () => to.destroy())
    from.on('error', () => to.destroy())
  }
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1')
    sockets.add(client).add(upstream)
    client.on('close', () => sockets.delete(client))
    upstream.on('close', () => sockets.delete(upstream))
    relay(client, upstream)
    relay(upstream, client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return Object.assign(proxy, {
    port: (server.address() as { port: number }).port,
    thaw() {
      proxy.frozen = false
      for (const send of held.splice(0)) send()
    },
    async close() {
      held.length = 0
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    },
  })
}
