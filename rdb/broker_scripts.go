package rdb

import "github.com/redis/rueidis"

// The queue's Lua scripts. Each declares every key it touches (all in the
// slot of the queue name), so they run unchanged on Redis Cluster. Lists
// move whole batches with LRANGE/LTRIM/RPUSH rather than one LMOVE per
// item: one round trip and three commands per batch, whatever its size.

// queueTakeScript leases up to ARGV[1] items from the head of the queue
// into the consumer's processing list and registers the consumer. With
// ARGV[3] == "1" it first reports the tail of the processing list: it
// runs pipelined right behind a BLMOVE on the same connection, so that
// tail is what the BLMOVE leased (when it leased anything) and its
// attempts come back in the same round trip. The reply is {items,
// attempts, tail}: attempts aligned with items (false where none were
// recorded), tail 1 when items[1] is the processing list's tail.
//
// KEYS: queue, processing, attempts, consumers. ARGV: max, consumer [, "1"].
const queueTakeSrc = `
local items = {}
local tail = 0
if ARGV[3] == '1' then
  local v = redis.call('LINDEX', KEYS[2], -1)
  if v then items[1] = v tail = 1 end
end
local n = tonumber(ARGV[1])
if n > 0 then
  local got = redis.call('LRANGE', KEYS[1], 0, n - 1)
  if #got > 0 then
    redis.call('LTRIM', KEYS[1], #got, -1)
    redis.call('RPUSH', KEYS[2], unpack(got))
    for i = 1, #got do items[#items + 1] = got[i] end
  end
end
if #items == 0 then return {{}, {}, 0} end
redis.call('SADD', KEYS[4], ARGV[2])
local att = {}
if redis.call('EXISTS', KEYS[3]) == 1 then
  att = redis.call('HMGET', KEYS[3], unpack(items))
end
return {items, att, tail}
`

var queueTakeScript = rueidis.NewLuaScript(queueTakeSrc)

// queueAckScript removes each payload from the processing list and forgets
// its attempts, and returns how many it removed; the others, no longer
// leased, count as lease lost in the stats hash. Items finish in about
// the order they were taken, so the batch is looked for in a window at
// the head of the list, which is rewritten once without them: one LREM
// per item would scan the list once per item whenever batches finish out
// of order, as they do with several workers. Like LREM, it removes the
// first occurrence of a payload from the head; those outside the window
// are removed with LREM.
//
// KEYS: processing, attempts, stats. ARGV: payloads.
var queueAckScript = rueidis.NewLuaScript(`
local n = #ARGV
local want = {}
for i = 1, n do want[ARGV[i]] = (want[ARGV[i]] or 0) + 1 end
local head = redis.call('LRANGE', KEYS[1], 0, 4 * n + 63)
local keep, removed = {}, {}
local last = 0
for i = 1, #head do
  local v = head[i]
  local w = want[v]
  if w and w > 0 then
    want[v] = w - 1
    removed[#removed + 1] = v
    last = i
  else
    keep[#keep + 1] = v
  end
end
if last > 0 then
  -- Only the part up to the last removed item changes.
  redis.call('LTRIM', KEYS[1], last, -1)
  local back = {}
  for i = last - #removed, 1, -1 do back[#back + 1] = keep[i] end
  if #back > 0 then redis.call('LPUSH', KEYS[1], unpack(back)) end
end
for v, w in pairs(want) do
  for _ = 1, w do
    if redis.call('LREM', KEYS[1], 1, v) > 0 then removed[#removed + 1] = v end
  end
end
if #removed > 0 and redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('HDEL', KEYS[2], unpack(removed))
end
if #removed < n then redis.call('HINCRBY', KEYS[3], 'lease_lost', n - #removed) end
return #removed
`)

// queueReturnScript moves payloads from the processing list back to the
// head of the queue, keeping their order.
//
// KEYS: queue, processing. ARGV: payloads.
var queueReturnScript = rueidis.NewLuaScript(`
local n = 0
for i = #ARGV, 1, -1 do
  if redis.call('LREM', KEYS[2], 1, ARGV[i]) > 0 then
    redis.call('LPUSH', KEYS[1], ARGV[i])
    n = n + 1
  end
end
return n
`)

// queueBuryScript moves a payload from the processing list to the dead
// letters, unless it is no longer leased (then it counts a lease lost and
// returns 0).
//
// KEYS: processing, attempts, dead, stats. ARGV: payload, dead letter JSON.
var queueBuryScript = rueidis.NewLuaScript(`
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then
  redis.call('HINCRBY', KEYS[4], 'lease_lost', 1)
  return 0
end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('RPUSH', KEYS[3], ARGV[2])
return 1
`)

// queueLeaveScript returns a consumer's whole processing list to the head
// of the queue in order and unregisters the consumer. With ARGV[2] == "1"
// it is the reaper: it does nothing (returns -1) while the heartbeat
// lives, counts an attempt for every item it redelivers and the items as
// consumer-died redeliveries, and, when there were items, marks the
// consumer reaped for ARGV[3] ms: should it be alive after all (cut off
// longer than its TTL), its next heartbeat finds the mark and it stops
// processing what was handed back. A plain leave clears the mark.
//
// KEYS: queue, processing, consumers, heartbeat, attempts, stats, reaped.
// ARGV: consumer, reap, reaped mark ms.
var queueLeaveScript = rueidis.NewLuaScript(`
local reap = ARGV[2] == '1'
if reap and redis.call('EXISTS', KEYS[4]) == 1 then return -1 end
local n = 0
while true do
  local v = redis.call('LMOVE', KEYS[2], KEYS[1], 'RIGHT', 'LEFT')
  if not v then break end
  if reap then redis.call('HINCRBY', KEYS[5], v, 1) end
  n = n + 1
end
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('DEL', KEYS[4])
if not reap then
  redis.call('DEL', KEYS[7])
elseif n > 0 then
  redis.call('HINCRBY', KEYS[6], 'consumer_died', n)
  redis.call('SET', KEYS[7], '1', 'PX', ARGV[3])
end
return n
`)

// queueRequeueScript moves up to ARGV[1] dead letters (0: all) back to the
// tail of the queue with fresh attempt counts.
//
// KEYS: queue, dead, attempts. ARGV: limit.
var queueRequeueScript = rueidis.NewLuaScript(`
local limit = tonumber(ARGV[1])
local n = 0
while limit <= 0 or n < limit do
  local d = redis.call('LPOP', KEYS[2])
  if not d then break end
  local p = cjson.decode(d).payload
  redis.call('RPUSH', KEYS[1], p)
  redis.call('HDEL', KEYS[3], p)
  n = n + 1
end
return n
`)

// queuePurgeScript deletes the waiting items and the dead letters.
//
// KEYS: queue, dead.
var queuePurgeScript = rueidis.NewLuaScript(`
local n = redis.call('LLEN', KEYS[1]) + redis.call('LLEN', KEYS[2])
redis.call('DEL', KEYS[1], KEYS[2])
return n
`)
