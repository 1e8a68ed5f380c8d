-- Expired leases: the job goes back to pending with a backoff (attempts were
-- counted at claim), fails after its last attempt, or is cancelled when a
-- cancel was requested. Also promotes due delayed jobs, and gives ready jobs
-- wake-up tokens they lack (a waiter whose connection died took one with it).
-- Replies how long until the next lease expires or delayed job is due (-1: none).
-- ARGV: prefix, backoffBaseMs, backoffMaxMs, seed (1..2^31-2), ttlMs, limit
local base, cap, seed, ttl = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local t = now_ms()
local expired = redis.call('ZRANGEBYSCORE', LEASES, '-inf', t, 'LIMIT', 0, tonumber(ARGV[6]))
local requeued, failed, cancelled = 0, 0, 0
for _, id in ipairs(expired) do
  local f = redis.call('HMGET', jkey(id), 'status', 'cancelRequested')
  if f[1] ~= 'running' then
    redis.call('ZREM', LEASES, id)
  elseif f[2] == '1' then
    end_job(id, 'running', 'cancelled', t, ttl, 'cancelled (the worker stopped answering)')
    cancelled = cancelled + 1
  else
    seed = (seed * 16807) % 2147483647 -- Park-Miller: jitter per job
    local outcome = retry_or_fail(id, t, 'lease expired', true, base, cap, seed / 2147483647, ttl)
    if outcome == 'retry' then requeued = requeued + 1 else failed = failed + 1 end
  end
end
local promoted = promote_due(t)
local ready, tokens = redis.call('ZCARD', QUEUE), redis.call('LLEN', WAKE)
for _ = tokens + 1, ready do redis.call('LPUSH', WAKE, '1') end
local next_due = -1
for _, key in ipairs({ LEASES, DELAYED }) do
  local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  if #first > 0 then
    local d = math.max(tonumber(first[2]) - t, 0)
    if next_due < 0 or d < next_due then next_due = d end
  end
end
return { 'ok', requeued, failed, cancelled, promoted, next_due }
