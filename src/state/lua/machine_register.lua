-- Adds a machine that is not in the pool yet (a worker started by hand) as
-- running; a machine already there is left as it is. ARGV: prefix, machineId
local id = ARGV[2]
if redis.call('EXISTS', mkey(id)) == 1 then return { 'exists' } end
local t = now_ms()
redis.call('HSET', mkey(id), 'machineId', id, 'state', 'running', 'createdAt', t, 'lastActiveAt', t)
redis.call('ZADD', P .. 'machines', t, id)
publish_machine(id, t)
return { 'ok' }
