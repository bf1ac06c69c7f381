// The Lua scripts that make each store operation one atomic round trip, and their runner
// (EVALSHA, falling back to EVAL once per connection when the script cache lacks it).
import { createHash } from 'node:crypto'
import type { Commands } from './client.js'

export interface Script {
  readonly source: string
  readonly sha: string
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') }
}

/** Read outcomes of {@link READ}. */
export const READ_CORRUPT = 0
export const READ_HIT = 2

// KEYS[1] entry. ARGV[1] tag key root, ARGV[2] max entry bytes.
// Returns nil (absent or a tag was invalidated), {0} (foreign or corrupt: deleted), or
// {2, bytes, pttl}. Tag keys are built here from the entry's own header: they share the entry's
// hash slot by the key layout, which is what makes this legal on Cluster.
export const READ = script(`
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind == 'none' then return nil end
local function corrupt() redis.call('DEL', KEYS[1]) return {0} end
if kind ~= 'string' then return corrupt() end
local size = redis.call('STRLEN', KEYS[1])
if size > tonumber(ARGV[2]) or size < 8 then return corrupt() end
local value = redis.call('GET', KEYS[1])
if string.sub(value, 1, 4) ~= 'CFR\\2' then return corrupt() end
local b1, b2, b3, b4 = string.byte(value, 5, 8)
local headerLength = ((b1 * 256 + b2) * 256 + b3) * 256 + b4
if 8 + headerLength > size then return corrupt() end
local ok, header = pcall(cjson.decode, string.sub(value, 9, 8 + headerLength))
if not ok or type(header) ~= 'table' or type(header.g) ~= 'table' or type(header.v) ~= 'table' then
  return corrupt()
end
for i, tag in ipairs(header.g) do
  if type(tag) ~= 'string' or type(header.v[i]) ~= 'number' then return corrupt() end
  -- Foreign data under the tag key (a hash, not a count) matches no version: the entry is not
  -- current, and the next fill's TAG_VERSIONS repairs the key.
  local raw = redis.pcall('GET', ARGV[1] .. tag)
  local current = 0
  if type(raw) == 'table' then current = -1
  elseif raw then current = tonumber(string.match(raw, '^%d+$') or '-1') end
  if current ~= header.v[i] then
    -- Tag versions only grow: an entry filled under an older one can never be current again.
    redis.call('DEL', KEYS[1])
    return nil
  end
end
local pttl = redis.call('PTTL', KEYS[1])
if pttl <= 0 then return corrupt() end
return {2, value, pttl}
`)

// KEYS[1] entry, KEYS[2] lock. ARGV[1] bytes, ARGV[2] ttl ms, ARGV[3] lock token ('' for none),
// ARGV[4] fill channel, ARGV[5] key. Fencing: a filler whose lock expired (or was taken over, or
// deleted by an invalidation) must not overwrite what a newer filler stored. Returns 1 if written.
export const WRITE = script(`
if ARGV[3] ~= '' then
  if redis.call('GET', KEYS[2]) ~= ARGV[3] then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if ARGV[3] ~= '' then redis.call('PUBLISH', ARGV[4], ARGV[5]) end
return 1
`)

// KEYS[1] lock. ARGV[1] token, ARGV[2] fill channel, ARGV[3] key. Compare-and-delete: a holder
// whose lock expired must not release the next holder's lock.
export const RELEASE = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], ARGV[3])
  return 1
end
return 0
`)

// KEYS[1] entry, KEYS[2] lock. ARGV[1] fill channel, ARGV[2] bus channel, ARGV[3] key,
// ARGV[4] bus message. Dropping the lock too fences out a fill that began before this delete.
export const DELETE = script(`
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('PUBLISH', ARGV[1], ARGV[3])
redis.call('PUBLISH', ARGV[2], ARGV[4])
return 1
`)

// KEYS tag version keys. ARGV[1] bus channel, ARGV[2] bus message. O(1) per tag, whatever the
// number of entries; the message tells every tiered store to drop its L1 copies. Foreign data
// under a tag key (another version's format, a hash) would make INCR fail and the tag impossible
// to invalidate: it is replaced by the server's time in ms, above any count a version can reach,
// so no entry filled before stays current.
export const INVALIDATE = script(`
for i = 1, #KEYS do
  local kind = redis.call('TYPE', KEYS[i])['ok']
  if kind ~= 'none' and (kind ~= 'string' or not string.match(redis.call('GET', KEYS[i]), '^%d+$')) then
    local now = redis.call('TIME')
    redis.call('DEL', KEYS[i])
    redis.call('SET', KEYS[i], tostring(tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)))
  end
  redis.call('INCR', KEYS[i])
end
redis.call('PUBLISH', ARGV[1], ARGV[2])
return #KEYS
`)

// KEYS tag version keys. ARGV[1] bus channel, ARGV[2] bus message. The current version of each
// tag (0 for none). Foreign data under a tag key is repaired as INVALIDATE does, replaced by the
// server's time in ms (above any count, so nothing filled before is current), and announced on
// the bus: otherwise no fill of a route with that tag could ever be stored.
export const TAG_VERSIONS = script(`
local versions = {}
local repaired = false
for i = 1, #KEYS do
  local kind = redis.call('TYPE', KEYS[i])['ok']
  local raw = kind == 'string' and redis.call('GET', KEYS[i])
  if kind == 'none' then
    versions[i] = 0
  elseif raw and #raw <= 15 and string.match(raw, '^%d+$') then
    versions[i] = tonumber(raw)
  else
    local now = redis.call('TIME')
    local version = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
    redis.call('DEL', KEYS[i])
    redis.call('SET', KEYS[i], tostring(version))
    versions[i] = version
    repaired = true
  end
end
if repaired then redis.call('PUBLISH', ARGV[1], ARGV[2]) end
return versions
`)

type Arg = string | Buffer | number

/** Runs `script` by its SHA; loads it with EVAL when this server (or Cluster node) lacks it. */
export async function runScript(client: Commands, run: Script, keys: readonly string[], args: readonly Arg[]) {
  const rest = [keys.length, ...keys, ...args]
  try {
    return await client.callBuffer('evalsha', [run.sha, ...rest])
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
    return client.callBuffer('eval', [run.source, ...rest])
  }
}
