-- A consistent snapshot for GET /api/stats: machines by state, pending jobs
-- (ready + waiting out a backoff), running jobs and their ids. ARGV: prefix
local counts = { starting = 0, running = 0, idle = 0, stopped = 0 }
for _, id in ipairs(redis.call('ZRANGE', P .. 'machines', 0, -1)) do
  local st = redis.call('HGET', mkey(id), 'state')
  if st and counts[st] then counts[st] = counts[st] + 1 end
end
local pending = redis.call('ZCARD', QUEUE) + redis.call('ZCARD', DELAYED)
local out = { 'ok', counts.starting, counts.running, counts.idle, counts.stopped, pending }
for _, id in ipairs(redis.call('ZRANGE', LEASES, 0, -1)) do out[#out + 1] = id end
return out
