// A clock that only moves when a test moves it.
export interface FakeClock {
  (): number
  advance(ms: number): void
  set(ms: number): void
}

export function fakeClock(start = 1_700_000_000_000): FakeClock {
  let now = start
  const clock = (() => now) as FakeClock
  clock.advance = (ms) => {
    now += ms
  }
  clock.set = (ms) => {
    now = ms
  }
  return clock
}
