-- The lease holder extends its lease; the reply says whether a cancel was
-- requested. ARGV: prefix, jobId, token, leaseMs
local id, token, lease = ARGV[2], ARGV[3], tonumber(ARGV[4])
local refused = fence(id, token)
if refused then return refused end
local t = now_ms()
local j = jkey(id)
redis.call('HSET', j, 'leaseUntil', t + lease)
redis.call('ZADD', LEASES, t + lease, id)
local machine = redis.call('HGET', j, 'machineId')
if machine and machine ~= '' and redis.call('EXISTS', mkey(machine)) == 1 then
  redis.call('HSET', mkey(machine), 'lastActiveAt', t)
end
return { 'ok', redis.call('HGET', j, 'cancelRequested') or '0', tostring(t + lease) }
