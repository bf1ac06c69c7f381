// Starts and stops worker processes (fixtures/worker.ts under node + tsx) for multi-process tests.
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const WORKER = fileURLToPath(new URL('./fixtures/worker.ts', import.meta.url))

export interface Worker {
  readonly url: string
  readonly process: ChildProcess
  stats(): Promise<{ runs: number; errors: number; busConnected: boolean }>
  stop(): Promise<void>
}

export async function startWorker(env: Record<string, string>): Promise<Worker> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const port = await new Promise<number>((resolve, reject) => {
    let output = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const line = output.split('\n')[0]
      if (output.includes('\n')) resolve((JSON.parse(line!) as { port: number }).port)
    })
    child.once('exit', (code) => reject(new Error(`worker exited with ${code} before listening`)))
  })
  const url = `http://127.0.0.1:${port}`
  return {
    url,
    process: child,
    async stats() {
      return (await (await fetch(`${url}/stats`)).json()) as { runs: number; errors: number; busConnected: boolean }
    },
    async stop() {
      if (child.exitCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    },
  }
}
