-- Removes a machine from the pool (its provider deleted it): the record and
-- its entry go together. ARGV: prefix, machineId
local id = ARGV[2]
redis.call('ZREM', P .. 'machines', id)
local existed = redis.call('DEL', mkey(id))
if existed == 1 then publish_machine(id, now_ms()) end
return { 'ok' }
