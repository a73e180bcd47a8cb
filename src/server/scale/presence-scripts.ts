/**
 * Lua scripts for cross-instance presence. Each runs atomically in Redis, so two
 * instances can never both see "first socket" or "last socket" for the same user.
 *
 * Keys (P = REDIS_PREFIX):
 *   P:presence:room:<room>   hash user -> sockets across all instances (field deleted at 0)
 *   P:presence:inst:<inst>   hash "<room>|<user>" -> sockets on that instance
 *   P:presence:instances     set of instance ids that have registered
 *   P:presence:alive:<inst>  heartbeat key with a TTL (PX); gone = instance dead
 * Key names are built inside the scripts, so this needs one Redis (not Redis Cluster).
 * Every script takes ARGV[1] = P and ARGV[2] = instance id.
 */

/** Shared Lua: remove one instance's whole contribution; returns {room, user, …} whose total hit 0. */
const DROP_INSTANCE = `
local function drop_instance(p, inst)
  local ih = p .. ':presence:inst:' .. inst
  local old = redis.call('HGETALL', ih)
  local gone = {}
  for i = 1, #old, 2 do
    local sep = string.find(old[i], '|', 1, true)
    local room, user = string.sub(old[i], 1, sep - 1), string.sub(old[i], sep + 1)
    local rk = p .. ':presence:room:' .. room
    if redis.call('HINCRBY', rk, user, -tonumber(old[i + 1])) <= 0 then
      redis.call('HDEL', rk, user)
      table.insert(gone, room)
      table.insert(gone, user)
    end
  end
  redis.call('DEL', ih)
  return gone
end
`;

/** ARGV: P, inst, room, user. Returns the user's socket total in the room after adding one. */
export const JOIN = `
local p, inst, room, user = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
redis.call('HINCRBY', p .. ':presence:inst:' .. inst, room .. '|' .. user, 1)
return redis.call('HINCRBY', p .. ':presence:room:' .. room, user, 1)
`;

/** ARGV: P, inst, room, user. Returns the total left after removing one, or -1 if this instance had none recorded. */
export const LEAVE = `
local p, inst, room, user = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local ih, f = p .. ':presence:inst:' .. inst, room .. '|' .. user
local mine = tonumber(redis.call('HGET', ih, f) or '0')
if mine <= 0 then return -1 end
if mine == 1 then redis.call('HDEL', ih, f) else redis.call('HINCRBY', ih, f, -1) end
local rk = p .. ':presence:room:' .. room
local total = redis.call('HINCRBY', rk, user, -1)
if total <= 0 then redis.call('HDEL', rk, user) return 0 end
return total
`;

/**
 * ARGV: P, inst, ttlMs, then room, user, sockets triples: this instance's whole state.
 * Replaces whatever Redis had for the instance (idempotent), registers it, refreshes its
 * heartbeat. Used at start, after every reconnect, and whenever a write may have been lost.
 */
export const RESYNC = `${DROP_INSTANCE}
local p, inst, ttl = ARGV[1], ARGV[2], ARGV[3]
drop_instance(p, inst)
local ih = p .. ':presence:inst:' .. inst
for i = 4, #ARGV, 3 do
  redis.call('HINCRBY', p .. ':presence:room:' .. ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2]))
  redis.call('HSET', ih, ARGV[i] .. '|' .. ARGV[i + 1], ARGV[i + 2])
end
redis.call('SADD', p .. ':presence:instances', inst)
redis.call('SET', p .. ':presence:alive:' .. inst, '1', 'PX', ttl)
return 1
`;

/**
 * ARGV: P, inst, ttlMs, reap (1|0). Refresh this instance's heartbeat, then (when reap=1)
 * clean up every registered instance whose heartbeat expired. Returns {registered (0|1), room, user, …}: registered=0
 * means survivors already reaped this instance (it must RESYNC); the pairs are users whose
 * last socket was on a dead instance, owed a user_left.
 */
export const HEARTBEAT = `${DROP_INSTANCE}
local p, inst, ttl, reap = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local set = p .. ':presence:instances'
local registered = redis.call('SISMEMBER', set, inst)
redis.call('SET', p .. ':presence:alive:' .. inst, '1', 'PX', ttl)
local out = { registered }
if reap ~= '1' then return out end
for _, other in ipairs(redis.call('SMEMBERS', set)) do
  if other ~= inst and redis.call('EXISTS', p .. ':presence:alive:' .. other) == 0 then
    redis.call('SREM', set, other)
    for _, v in ipairs(drop_instance(p, other)) do table.insert(out, v) end
  end
end
return out
`;

/** ARGV: P, inst. Graceful exit: unregister and drop this instance's contribution; returns pairs owed a user_left. */
export const DEREGISTER = `${DROP_INSTANCE}
local p, inst = ARGV[1], ARGV[2]
redis.call('DEL', p .. ':presence:alive:' .. inst)
redis.call('SREM', p .. ':presence:instances', inst)
return drop_instance(p, inst)
`;
