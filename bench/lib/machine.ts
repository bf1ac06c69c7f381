// The machine a result was measured on, for the report.
import { cpus, totalmem } from 'node:os'
import { PINNING } from './proc.js'

export interface MachineInfo {
  readonly date: string
  readonly cpuModel: string
  readonly cores: number
  readonly memoryGb: number
  readonly node: string
  readonly platform: string
  readonly pinning: string
}

export function machineInfo(): MachineInfo {
  const list = cpus()
  return {
    date: new Date().toISOString(),
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    pinning: PINNING
      ? `servers on CPU ${PINNING.server}, load generator on CPU ${PINNING.load} (taskset)`
      : 'none (taskset missing or one CPU)',
  }
}
