/**
 * Lua scripts for cross-instance presence, as node-redis script commands (`defineScript`).
 * Each runs atomically in Redis, so two instances can never both see "first socket" or
 * "last socket" for the same user. node-redis sends `EVALSHA`; the first call after a
 * Redis start (or `SCRIPT FLUSH`) answers NOSCRIPT and node-redis sends the script
 * once with `EVAL`, which caches it again.
 *
 * Keys (P = REDIS_PREFIX), all named by `presenceKeys`:
 *   P:presence:room:<room>   hash user -> sockets across all instances (field deleted at 0)
 *   P:presence:inst:<inst>   hash "<room>|<user>" -> sockets on that instance
 *   P:presence:instances     set of instance ids that have registered
 *   P:presence:alive:<inst>  heartbeat key with a TTL (PX); gone = instance dead
 *
 * Every key known before a script runs is passed as KEYS. Two kinds cannot be, and are
 * built inside the script from ARGV `base` (= `P:presence:`): the room hashes an
 * instance's old contribution touches (they are whatever its inst hash holds in Redis at
 * that moment, which the caller cannot know without a race), and the alive/inst keys of
 * the other instances the heartbeat reaps (the members of the instances set). So every
 * presence key must live on one Redis node: with Redis Cluster, REDIS_PREFIX needs a hash
 * tag (e.g. `{vchat}`) so that the whole key space hashes to one slot (docs/scaling.md).
 */
import { defineScript, type CommandParser } from 'redis';

/** The presence key names for one REDIS_PREFIX: the one place they are spelled on this side. */
export interface PresenceKeys {
  /** `P:presence:`, handed to the scripts that must build keys themselves (see the module comment). */
  base: string;
  room(roomId: string): string;
  inst(instanceId: string): string;
  alive(instanceId: string): string;
  instances: string;
}

export function presenceKeys(prefix: string): PresenceKeys {
  const base = `${prefix}:presence:`;
  return {
    base,
    room: (roomId) => `${base}room:${roomId}`,
    inst: (instanceId) => `${base}inst:${instanceId}`,
    alive: (instanceId) => `${base}alive:${instanceId}`,
    instances: `${base}instances`,
  };
}

/**
 * Users whose last socket anywhere in a room went away: each is owed a user_left. (Objects,
 * not tuples: node-redis's reply typing turns tuples into plain arrays.)
 */
export type GoneUsers = Array<{ roomId: string; userId: string }>;

/** [roomId, userId, sockets]: one instance's whole state, as RESYNC takes it. */
export type UserCount = [roomId: string, userId: string, sockets: number];

/** A Lua array of alternating room, user. */
function toGoneUsers(flat: unknown[]): GoneUsers {
  const gone: GoneUsers = [];
  for (let i = 0; i + 1 < flat.length; i += 2) gone.push({ roomId: String(flat[i]), userId: String(flat[i + 1]) });
  return gone;
}

function asArray(reply: unknown): unknown[] {
  return Array.isArray(reply) ? (reply as unknown[]) : [];
}

/**
 * Shared Lua: remove one instance's whole contribution; returns {room, user, …} whose total hit 0.
 * The room keys come from the instance's hash as Redis holds it now, so they are built here.
 */
const DROP_INSTANCE = `
local function drop_instance(base, ih)
  local old = redis.call('HGETALL', ih)
  local gone = {}
  for i = 1, #old, 2 do
    local sep = string.find(old[i], '|', 1, true)
    local room, user = string.sub(old[i], 1, sep - 1), string.sub(old[i], sep + 1)
    local rk = base .. 'room:' .. room
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

/**
 * JOIN's and LEAVE's shared call: KEYS[1] this instance's hash, KEYS[2] the room's; ARGV[1] the
 * room id, ARGV[2] the user id. Replies with a count.
 */
const ROOM_USER_CALL = {
  NUMBER_OF_KEYS: 2,
  parseCommand(parser: CommandParser, keys: PresenceKeys, instanceId: string, roomId: string, userId: string) {
    parser.pushKey(keys.inst(instanceId));
    parser.pushKey(keys.room(roomId));
    parser.push(roomId, userId);
  },
  transformReply: (reply: unknown): number => Number(reply),
};

/** One more socket of a user in a room on this instance. Returns the user's socket total in the room. */
const JOIN = defineScript({
  ...ROOM_USER_CALL,
  SCRIPT: `
local room, user = ARGV[1], ARGV[2]
redis.call('HINCRBY', KEYS[1], room .. '|' .. user, 1)
return redis.call('HINCRBY', KEYS[2], user, 1)
`,
});

/** One socket fewer. Returns the total left, or -1 if this instance had none recorded. */
const LEAVE = defineScript({
  ...ROOM_USER_CALL,
  SCRIPT: `
local ih, rk, user = KEYS[1], KEYS[2], ARGV[2]
local f = ARGV[1] .. '|' .. user
local mine = tonumber(redis.call('HGET', ih, f) or '0')
if mine <= 0 then return -1 end
if mine == 1 then redis.call('HDEL', ih, f) else redis.call('HINCRBY', ih, f, -1) end
local total = redis.call('HINCRBY', rk, user, -1)
if total <= 0 then redis.call('HDEL', rk, user) return 0 end
return total
`,
});

/**
 * This instance's whole state replaces whatever Redis had for it (idempotent); registers the
 * instance and refreshes its heartbeat. Used at start, after every reconnect, and whenever a
 * write may have been lost. KEYS: inst hash, instances set, alive key, then one room key per
 * (room, user, sockets) triple in ARGV.
 */
const RESYNC = defineScript({
  SCRIPT: `${DROP_INSTANCE}
local ih, set, alive = KEYS[1], KEYS[2], KEYS[3]
local base, inst, ttl = ARGV[1], ARGV[2], ARGV[3]
drop_instance(base, ih)
local k = 4
for i = 4, #ARGV, 3 do
  redis.call('HINCRBY', KEYS[k], ARGV[i + 1], tonumber(ARGV[i + 2]))
  redis.call('HSET', ih, ARGV[i] .. '|' .. ARGV[i + 1], ARGV[i + 2])
  k = k + 1
end
redis.call('SADD', set, inst)
redis.call('SET', alive, '1', 'PX', ttl)
return 1
`,
  parseCommand(parser: CommandParser, keys: PresenceKeys, instanceId: string, ttlMs: number, counts: UserCount[]) {
    const own = [keys.inst(instanceId), keys.instances, keys.alive(instanceId)];
    parser.pushKeysLength([...own, ...counts.map(([roomId]) => keys.room(roomId))]);
    parser.push(keys.base, instanceId, String(ttlMs));
    for (const [roomId, userId, sockets] of counts) parser.push(roomId, userId, String(sockets));
  },
  transformReply: (reply: unknown): number => Number(reply),
});

/**
 * Refresh this instance's heartbeat, then (when `reap`) clean up every registered instance whose
 * heartbeat expired. `registered` false means survivors already reaped this instance (it must
 * RESYNC); `gone` are users whose last socket was on a dead instance. The dead instances' keys
 * are members of the instances set, read inside the script, so they are built there.
 */
const HEARTBEAT = defineScript({
  NUMBER_OF_KEYS: 2,
  SCRIPT: `${DROP_INSTANCE}
local set, alive = KEYS[1], KEYS[2]
local base, inst, ttl, reap = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local registered = redis.call('SISMEMBER', set, inst)
redis.call('SET', alive, '1', 'PX', ttl)
local out = { registered }
if reap ~= '1' then return out end
for _, other in ipairs(redis.call('SMEMBERS', set)) do
  if other ~= inst and redis.call('EXISTS', base .. 'alive:' .. other) == 0 then
    redis.call('SREM', set, other)
    for _, v in ipairs(drop_instance(base, base .. 'inst:' .. other)) do table.insert(out, v) end
  end
end
return out
`,
  parseCommand(parser: CommandParser, keys: PresenceKeys, instanceId: string, ttlMs: number, reap: boolean) {
    parser.pushKey(keys.instances);
    parser.pushKey(keys.alive(instanceId));
    parser.push(keys.base, instanceId, String(ttlMs), reap ? '1' : '0');
  },
  transformReply: (reply: unknown): { registered: boolean; gone: GoneUsers } => {
    const [registered, ...gone] = asArray(reply);
    return { registered: Number(registered) === 1, gone: toGoneUsers(gone) };
  },
});

/** Graceful exit: unregister and drop this instance's contribution; returns the pairs owed a user_left. */
const DEREGISTER = defineScript({
  NUMBER_OF_KEYS: 3,
  SCRIPT: `${DROP_INSTANCE}
local alive, set, ih = KEYS[1], KEYS[2], KEYS[3]
local base, inst = ARGV[1], ARGV[2]
redis.call('DEL', alive)
redis.call('SREM', set, inst)
return drop_instance(base, ih)
`,
  parseCommand(parser: CommandParser, keys: PresenceKeys, instanceId: string) {
    parser.pushKey(keys.alive(instanceId));
    parser.pushKey(keys.instances);
    parser.pushKey(keys.inst(instanceId));
    parser.push(keys.base, instanceId);
  },
  transformReply: (reply: unknown): GoneUsers => toGoneUsers(asArray(reply)),
});

/** Handed to `createClient({ scripts })`: each becomes a method of the client (`presenceJoin(…)`). */
export const presenceScripts = {
  presenceJoin: JOIN,
  presenceLeave: LEAVE,
  presenceResync: RESYNC,
  presenceHeartbeat: HEARTBEAT,
  presenceDeregister: DEREGISTER,
};
