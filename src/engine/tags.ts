// Tag names the cache derives itself, so that invalidation by URL path is O(1) like any tag.

/** Tags starting with this are reserved for paths: `invalidate({ paths: ['/q'] })`. */
export const PATH_TAG_PREFIX = '@path:'

export function pathTag(path: string): string {
  return PATH_TAG_PREFIX + path
}

/**
 * Every fill carries the tag of its key, so that `invalidate({ keys })` also reaches what the
 * fill stored under other keys (the variants of a Vary response), in every process, in O(1).
 */
export const KEY_TAG_PREFIX = '@key:'

export function keyTag(key: string): string {
  return KEY_TAG_PREFIX + key
}
