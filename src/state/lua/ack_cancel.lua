-- The lease holder stopped after a cancel request: running -> cancelled.
-- ARGV: prefix, jobId, token, ttlMs
local id, token = ARGV[2], ARGV[3]
local refused = fence(id, token)
if refused then return refused end
if redis.call('HGET', jkey(id), 'cancelRequested') ~= '1' then return { 'conflict', 'no cancel was requested' } end
end_job(id, 'running', 'cancelled', now_ms(), tonumber(ARGV[4]), 'cancelled')
return { 'ok' }
