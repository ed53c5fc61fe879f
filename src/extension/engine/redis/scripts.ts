// The Lua scripts of every Redis store. Each is defined once per connection (ioredis defineCommand):
// it runs by its SHA1 (EVALSHA), and only a server that does not know it yet (first call, a
// restart, a promoted replica, another Cluster node) gets its text once (the NOSCRIPT fallback).
// Every script touches keys of one workspace only, so under the workspace's hash tag they share a
// Cluster slot.
import type { Result } from 'ioredis';

type Arg = string | number;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** KEYS doc, version, modified; ARGV expected version, new version, document, modified, TTL seconds, channel, announcement → 1 written, 0 outrun. */
    agentMeshStateCas(...args: Arg[]): Result<number, Context>;
    /** KEYS approvals, channel; ARGV id, record, message. */
    agentMeshApprovalInsert(...args: Arg[]): Result<number, Context>;
    /** KEYS approvals, channel, epoch; ARGV id, record, message → {1, ''} moved, {0, current} not pending, {-1, ''} data lost. */
    agentMeshApprovalTransition(...args: Arg[]): Result<[number, string], Context>;
    /** KEYS approvals, channel, epoch; ARGV id1, record1, …, new epoch → records put back (missing, or pending where this one is decided). */
    agentMeshApprovalRestore(...args: Arg[]): Result<number, Context>;
    /** KEYS session, events, index, channel; ARGV id, session, last activity, retention ms, max events, event or '', message. */
    agentMeshSessionUpsert(...args: Arg[]): Result<number, Context>;
    /** KEYS index, records; ARGV id, time, record. */
    agentMeshHistoryPut(...args: Arg[]): Result<number, Context>;
    /** KEYS index, records; ARGV oldest time kept, most records kept → records removed. */
    agentMeshHistoryPrune(...args: Arg[]): Result<number, Context>;
  }
}

// Compare-and-set: writes the document, its version and modification time (all with the TTL) and
// announces the write, only if nobody changed the version since it was read.
const STATE_CAS = `
if (redis.call('GET', KEYS[2]) or '0') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[3], 'EX', ARGV[5])
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[5])
redis.call('SET', KEYS[3], ARGV[4], 'EX', ARGV[5])
redis.call('PUBLISH', ARGV[6], ARGV[7])
return 1`;

// Writes and their notification go out in one script, so a relay that sees the message can
// always read the record, and compare-and-set decides which of two relays moves an approval.
const APPROVAL_INSERT = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PUBLISH', KEYS[2], ARGV[3])
return 1`;
// {-1} when the record is missing because Redis lost its data (the epoch key is gone too).
const APPROVAL_TRANSITION = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then
  if redis.call('EXISTS', KEYS[3]) == 0 then return {-1, ''} end
  return {0, ''}
end
if cjson.decode(current).status ~= 'pending' then return {0, current} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PUBLISH', KEYS[2], ARGV[3])
return {1, ''}`;
// Puts back what one relay knows without overwriting what another relay already put back, except
// that a decided record replaces a pending one: a decision never goes back to pending, so one the
// old master took but never replicated is not offered again after a failover.
const APPROVAL_RESTORE = `
local function status(text)
  local ok, record = pcall(cjson.decode, text)
  return ok and type(record) == 'table' and record.status or nil
end
local restored = 0
for i = 1, #ARGV - 1, 2 do
  local current = redis.call('HGET', KEYS[1], ARGV[i])
  if not current or (status(current) == 'pending' and status(ARGV[i + 1]) ~= 'pending') then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
    restored = restored + 1
  end
end
redis.call('SET', KEYS[3], ARGV[#ARGV], 'NX')
return restored`;

// The session, its last events, its place in the index and the message to the other relays, in one
// script: a relay that hears the message can always read what it announces.
const SESSION_UPSERT = `
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[4])
if ARGV[6] ~= '' then
  redis.call('RPUSH', KEYS[2], ARGV[6])
  redis.call('LTRIM', KEYS[2], -tonumber(ARGV[5]), -1)
end
redis.call('PEXPIRE', KEYS[2], ARGV[4])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
redis.call('PUBLISH', KEYS[4], ARGV[7])
return 1`;

// The record and its place in the index in one step: a reader never finds an id without its record.
const HISTORY_PUT = `
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return 1`;

// Ids older than ARGV[1], then the oldest past ARGV[2] records, leave the index and the hash (in chunks: unpack has a limit).
const HISTORY_PRUNE = `
local function drop(ids)
  for i = 1, #ids, 1000 do
    local chunk = {unpack(ids, i, math.min(i + 999, #ids))}
    redis.call('ZREM', KEYS[1], unpack(chunk))
    redis.call('HDEL', KEYS[2], unpack(chunk))
  end
  return #ids
end
local removed = drop(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1]))
local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[2])
if excess > 0 then removed = removed + drop(redis.call('ZRANGE', KEYS[1], 0, excess - 1)) end
return removed`;

const scripts = {
  agentMeshStateCas: { lua: STATE_CAS, numberOfKeys: 3 },
  agentMeshApprovalInsert: { lua: APPROVAL_INSERT, numberOfKeys: 2 },
  agentMeshApprovalTransition: { lua: APPROVAL_TRANSITION, numberOfKeys: 3 },
  agentMeshApprovalRestore: { lua: APPROVAL_RESTORE, numberOfKeys: 3 },
  agentMeshSessionUpsert: { lua: SESSION_UPSERT, numberOfKeys: 4 },
  agentMeshHistoryPut: { lua: HISTORY_PUT, numberOfKeys: 2 },
  agentMeshHistoryPrune: { lua: HISTORY_PRUNE, numberOfKeys: 2 },
};

/** Every script's Lua text, e.g. for a test that checks they run by hash. */
export const scriptSources: readonly string[] = Object.values(scripts).map((s) => s.lua);

export function defineScripts(client: { defineCommand(name: string, definition: { lua: string; numberOfKeys?: number }): void }): void {
  for (const [name, definition] of Object.entries(scripts)) client.defineCommand(name, definition);
}
