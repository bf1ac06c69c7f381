// Real Express over a real socket for the adapter tests: listen on port 0, talk with fetch.
import type { AddressInfo } from 'node:net'
import type { Express } from 'express'

export interface Served {
  readonly url: string
  get(path: string, init?: RequestInit): Promise<Response>
  close(): Promise<void>
}

export async function serve(app: Express): Promise<Served> {
  const server = app.listen(0)
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    get: (path, init) => fetch(url + path, init),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
