-- Admission, one atomic decision for the ready queue: enough idle or starting
-- machines -> idle-available; else restart a stopped machine; else create one
-- when the pool is under its maximum; else wait.
-- The control plane that will run the machine is recorded as its owner. A
-- machine an operator drains is neither supply nor restarted; it still counts
-- towards the maximum until it is destroyed.
-- ARGV: prefix, maxMachines, newMachineId, owner ('' when every plane sees every machine)
local max, new_id, owner = tonumber(ARGV[2]), ARGV[3], ARGV[4] or ''
local ready = redis.call('ZCARD', QUEUE)
if ready == 0 then return { 'idle-available' } end -- nothing waits: no machine to look at
local t = now_ms()
local ids = redis.call('ZRANGE', P .. 'machines', 0, -1)
local supply, stopped = 0, nil
for _, id in ipairs(ids) do
  local f = redis.call('HMGET', mkey(id), 'state', 'draining')
  local st, draining = f[1], f[2] == '1'
  if not draining and (st == 'idle' or st == 'starting') then supply = supply + 1 end
  if st == 'stopped' and not draining and not stopped then stopped = id end
end
if ready <= supply then return { 'idle-available' } end
if stopped then
  redis.call('HSET', mkey(stopped), 'state', 'starting', 'lastActiveAt', t, 'owner', owner)
  publish_machine(stopped, t)
  return { 'start', stopped }
end
if #ids < max then
  if redis.call('EXISTS', mkey(new_id)) == 1 then return { 'conflict', 'machine id exists' } end
  redis.call('HSET', mkey(new_id), 'machineId', new_id, 'state', 'starting', 'createdAt', t, 'lastActiveAt', t,
    'owner', owner)
  redis.call('ZADD', P .. 'machines', t, new_id)
  publish_machine(new_id, t)
  return { 'create', new_id }
end
return { 'wait' }
