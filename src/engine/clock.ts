// The injectable clock: every time decision reads it, so tests move time instead of sleeping.

/** Returns the current time in epoch milliseconds. */
export type Clock = () => number
