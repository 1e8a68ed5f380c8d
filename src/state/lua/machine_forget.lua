-- Removes a machine from the pool (its provider deleted it): the record and
-- its entry go together. ARGV: prefix, machineId
local id = ARGV[2]
redis.call('ZREM', P .. 'machines', id)
redis.call('DEL', mkey(id))
return { 'ok' }
