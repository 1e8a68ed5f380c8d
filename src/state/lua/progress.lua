-- The lease holder reports progress (0-100). ARGV: prefix, jobId, token, percent
local id, token, pct = ARGV[2], ARGV[3], tonumber(ARGV[4])
local refused = fence(id, token)
if refused then return refused end
if not pct or pct < 0 or pct > 100 then return { 'invalid', 'progress must be 0-100' } end
local t = now_ms()
redis.call('HSET', jkey(id), 'progress', math.floor(pct), 'updatedAt', t)
publish(id, t)
return { 'ok' }
