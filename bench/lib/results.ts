// Each benchmark saves its result as JSON under bench/.tmp/; bench/RESULTS.md is rendered from
// whichever results are there, so sub-scripts can be rerun one at a time.
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { machineInfo, type MachineInfo } from './machine.js'

const TMP = new URL('../.tmp/', import.meta.url)

export interface Saved<T> {
  readonly name: string
  readonly machine: MachineInfo
  /** The command that produced it, as a user would type it. */
  readonly command: string
  readonly data: T
}

export async function saveResult<T>(name: string, data: T): Promise<void> {
  await mkdir(TMP, { recursive: true })
  const env = Object.entries(process.env)
    .filter(([key]) => (key.startsWith('BENCH_') && key !== 'BENCH_COMMAND') || key === 'REDIS_URL')
    .map(([key, value]) => `${key}=${value} `)
    .join('')
  const saved: Saved<T> = {
    name,
    machine: machineInfo(),
    command: `${env}${process.env.BENCH_COMMAND ?? `npm run bench:${name}`}`,
    data,
  }
  await writeFile(new URL(`${name}.json`, TMP), JSON.stringify(saved, null, 2))
  const { renderResults } = await import('./report.js')
  await renderResults()
}

export async function loadResult<T>(name: string): Promise<Saved<T> | undefined> {
  try {
    return JSON.parse(await readFile(new URL(`${name}.json`, TMP), 'utf8')) as Saved<T>
  } catch {
    return undefined
  }
}

export const RESULTS_PATH = fileURLToPath(new URL('../RESULTS.md', import.meta.url))
