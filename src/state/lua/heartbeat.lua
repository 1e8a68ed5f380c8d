-- The lease holder extends its lease, and with a percent (0-100) reports its
-- progress in the same step; the reply says whether a cancel was requested.
-- ARGV: prefix, jobId, token, leaseMs, percent ('' for none)
local id, token, lease = ARGV[2], ARGV[3], tonumber(ARGV[4])
local pct = ARGV[5] and ARGV[5] ~= '' and tonumber(ARGV[5])
local refused = fence(id, token)
if refused then return refused end
if ARGV[5] and ARGV[5] ~= '' and (not pct or pct < 0 or pct > 100) then return { 'invalid', 'progress must be 0-100' } end
local t = now_ms()
local j = jkey(id)
redis.call('HSET', j, 'leaseUntil', t + lease)
redis.call('ZADD', LEASES, t + lease, id)
local machine = redis.call('HGET', j, 'machineId')
if machine and machine ~= '' and redis.call('EXISTS', mkey(machine)) == 1 then
  redis.call('HSET', mkey(machine), 'lastActiveAt', t)
end
if pct then
  redis.call('HSET', j, 'progress', math.floor(pct), 'updatedAt', t)
  publish(id, t)
end
return { 'ok', redis.call('HGET', j, 'cancelRequested') or '0', tostring(t + lease) }
