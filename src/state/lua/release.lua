-- The lease holder gives the job back unfinished because it is shutting down
-- (not because the job failed): running -> pending, ready at once (queued
-- like a new job of its priority), and the attempt the claim counted is taken back.
-- A job whose cancel was requested meanwhile ends cancelled instead.
-- ARGV: prefix, jobId, token, reason, ttlMs
local id, token = ARGV[2], ARGV[3]
local refused = fence(id, token)
if refused then return refused end
local t = now_ms()
local j = jkey(id)
if redis.call('HGET', j, 'cancelRequested') == '1' then
  end_job(id, 'running', 'cancelled', t, tonumber(ARGV[5]), 'cancelled')
  return { 'ok', 'cancelled' }
end
local attempts = tonumber(redis.call('HGET', j, 'attempts') or '1') or 1
redis.call('ZREM', LEASES, id)
set_status(id, 'running', 'pending', t, { 'error', ARGV[4], 'token', '', 'leaseUntil', '', 'machineId', '',
  'progress', 0, 'attempts', math.max(attempts - 1, 0) })
enqueue(id)
return { 'ok', 'released' }
