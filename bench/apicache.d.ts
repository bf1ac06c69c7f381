// apicache ships no types; only what bench/servers/server.ts uses.
declare module 'apicache' {
  import type { RequestHandler } from 'express'
  interface ApiCache {
    options(options: { defaultDuration?: number | string }): ApiCache
    middleware(duration?: number | string): RequestHandler
  }
  const apicache: ApiCache
  export default apicache
}
