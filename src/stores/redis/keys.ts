// Key and channel names of one redis store. Every name carries `{prefix}` as its Redis Cluster
// hash tag, so every key of a store lives in one hash slot (see the note below).
import { badOption } from '../../errors.js'
import { FORMAT_VERSION } from './codec.js'

// Why one slot per prefix: the read script checks an entry against the versions of its tags, and
// a tag is shared by entries under any key, so the tag keys must live in the same slot as every
// entry key that carries them. Hashing on `{prefix}` is the only layout that keeps the one-round-
// trip check correct on Cluster; the price is that one prefix is served by one shard. To spread
// load over shards, give independent caches their own prefixes.
const PREFIX_PATTERN = /^[A-Za-z0-9_.:/-]{1,100}$/

export interface KeyLayout {
  /** Every key of the store starts with this (used by `clear` to SCAN). */
  readonly root: string
  entry(key: string): string
  lock(key: string): string
  /** Tag version keys are `tagRoot + tag`: the read script builds them from the entry's tags. */
  readonly tagRoot: string
  tag(tag: string): string
  /** Pub/sub channel of invalidations and clears (read by tiered stores to drop L1 copies). */
  readonly busChannel: string
  /** Pub/sub channel on which a stored or released fill is announced, by key. */
  readonly fillChannel: string
}

export function keyLayout(prefix: unknown): KeyLayout {
  // No `{`, `}` (they would change the hash tag) nor glob characters (they would widen clear's SCAN).
  if (typeof prefix !== 'string' || !PREFIX_PATTERN.test(prefix)) {
    throw badOption('redisStore prefix', 'a string of 1 to 100 letters, digits or _ . : / -', prefix)
  }
  const root = `cachefront:{${prefix}}:`
  const tagRoot = `${root}t:`
  return {
    root,
    // Entries of each format under their own keys: during a rolling deploy, processes of two
    // versions fill side by side instead of deleting each other's entries as foreign, and the
    // older format's entries expire by their TTL.
    entry: (key) => `${root}e${FORMAT_VERSION}:${key}`,
    lock: (key) => `${root}l:${key}`,
    tagRoot,
    tag: (tag) => tagRoot + tag,
    busChannel: `${root}bus`,
    fillChannel: `${root}fill`,
  }
}
