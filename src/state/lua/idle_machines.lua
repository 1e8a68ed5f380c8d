-- Machines idle for longer than timeoutMs (for the scheduler to stop).
-- ARGV: prefix, timeoutMs
local cutoff = now_ms() - tonumber(ARGV[2])
local out = { 'ok' }
for _, id in ipairs(redis.call('ZRANGE', P .. 'machines', 0, -1)) do
  local f = redis.call('HMGET', mkey(id), 'state', 'lastActiveAt')
  if f[1] == 'idle' and tonumber(f[2] or '0') <= cutoff then out[#out + 1] = id end
end
return out
