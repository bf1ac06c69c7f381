// Tag names the cache derives itself, so that invalidation by URL path is O(1) like any tag.

/** Tags starting with this are reserved for paths: `invalidate({ paths: ['/q'] })`. */
export const PATH_TAG_PREFIX = '@path:'

export function pathTag(path: string): string {
  return PATH_TAG_PREFIX + path
}
