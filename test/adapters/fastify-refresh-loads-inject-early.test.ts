// Fastify loads what `inject` runs on at the first inject; with stale-while-revalidate that is the
// first stale hit, mid-traffic. The plugin loads it while routes register instead.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const FIXTURE = fileURLToPath(new URL('./fixtures/fastify-inject-preload.ts', import.meta.url))

async function injectLoadedAtStartup(mode: 'swr' | 'plain'): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', FIXTURE, mode])
  return stdout
}

describe('fastify background refresh', () => {
  it('has inject loaded before the first request when a route can refresh', async () => {
    expect(await injectLoadedAtStartup('swr')).toBe('loaded')
  })

  it('loads nothing extra for routes without stale-while-revalidate', async () => {
    expect(await injectLoadedAtStartup('plain')).toBe('not loaded')
  })
})
