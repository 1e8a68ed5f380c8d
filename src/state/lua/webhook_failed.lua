-- An attempt failed. Retried after backoff * 2^(attempts-1), at most maxDelay,
-- while that is within maxAge of the record's creation; else, or when the
-- failure is permanent (the target is refused), given up.
-- ARGV: prefix, id, error, permanent (0/1), backoffMs, maxDelayMs, maxAgeMs
-- Returns { 'retry', attempts, delayMs } | { 'gave_up', attempts } | { 'gone' }.
local id, err = ARGV[2], ARGV[3]
local w = wkey(id)
if redis.call('EXISTS', w) == 0 then
  redis.call('ZREM', WEBHOOKS_DUE, id)
  return { 'gone' }
end
local t = now_ms()
local n = redis.call('HINCRBY', w, 'attempts', 1)
local created = tonumber(redis.call('HGET', w, 'createdAt') or '0') or 0
local delay = math.min(tonumber(ARGV[5]) * 2 ^ math.min(n - 1, 20), tonumber(ARGV[6]))
if ARGV[4] == '1' or t + delay > created + tonumber(ARGV[7]) then
  redis.call('HSET', w, 'state', 'gave_up', 'lastError', err)
  redis.call('ZREM', WEBHOOKS_DUE, id)
  return { 'gave_up', n }
end
redis.call('HSET', w, 'lastError', err)
redis.call('ZADD', WEBHOOKS_DUE, t + delay, id)
return { 'retry', n, math.floor(delay) }
