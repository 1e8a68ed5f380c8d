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
local t = now_ms()
redis.call('HSET', mkey(id), 'state', to, 'lastActiveAt', t)
if to == 'stopped' then -- its job link is kept only while the job still runs on it (destroy requeues it)
  local job = redis.call('HGET', mkey(id), 'jobId')
  if job and job ~= '' then
    local jf = redis.call('HMGET', jkey(job), 'status', 'machineId')
    if not (jf[1] == 'running' and jf[2] == id) then redis.call('HSET', mkey(id), 'jobId', '') end
  end
end
if from ~= to then publish_machine(id, t) end
return { 'ok', from }
