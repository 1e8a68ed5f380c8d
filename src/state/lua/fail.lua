-- The lease holder's attempt failed: retryable -> pending after a backoff (or
-- failed when no attempts are left); not retryable (bad input) -> failed now.
-- ARGV: prefix, jobId, token, reason, retryable (1/0), backoffBaseMs, backoffMaxMs, jitter (0-1), ttlMs
local id, token = ARGV[2], ARGV[3]
local refused = fence(id, token)
if refused then return refused end
local t = now_ms()
local outcome = retry_or_fail(id, t, ARGV[4], ARGV[5] == '1', tonumber(ARGV[6]), tonumber(ARGV[7]),
  tonumber(ARGV[8]), tonumber(ARGV[9]))
return { 'ok', outcome }
