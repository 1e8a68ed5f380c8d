-- A machine's state change: starting -> running | idle | stopped,
-- running <-> idle, running | idle -> stopped, stopped -> starting; the same
-- state again refreshes lastActiveAt, except idle (the idle clock keeps
-- running). ARGV: prefix, machineId, state
local id, to = ARGV[2], ARGV[3]
local allowed = {
  starting = { running = true, idle = true, stopped = true },
  running = { idle = true, stopped = true },
  idle = { running = true, stopped = true },
  stopped = { starting = true },
}
if not allowed[to] then return { 'invalid', 'unknown machine state ' .. to } end
local from = redis.call('HGET', mkey(id), 'state')
if not from then return { 'not_found' } end
if from ~= to and not allowed[from][to] then return { 'conflict', from } end
if from == to and to == 'idle' then return { 'ok', from } end
redis.call('HSET', mkey(id), 'state', to, 'lastActiveAt', now_ms())
return { 'ok', from }
