// A TCP proxy that delays every chunk in both directions by `delayMs`: a slow Redis, on demand.
import { createServer, connect, type Socket } from 'node:net'

export interface DelayProxy {
  readonly port: number
  delayMs: number
  close(): Promise<void>
}

export async function startDelayProxy(targetPort: number): Promise<DelayProxy> {
  const sockets = new Set<Socket>()
  const proxy = { delayMs: 0 } as DelayProxy
  const relay = (from: Socket, to: Socket): void => {
    from.on('data', (chunk) => {
      // Equal delays fire in order, so the byte stream stays intact.
      if (proxy.delayMs === 0) to.write(chunk)
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
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    },
  })
}
