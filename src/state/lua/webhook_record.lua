-- Records the delivery of one job ending, once: the id is derived from the
-- ending, so every observer of it records the same delivery and only the first
-- one counts. Due at once. ARGV: prefix, id, url, body, ttlMs
local id = ARGV[2]
if redis.call('EXISTS', wkey(id)) == 1 then return { 'exists' } end
local t = now_ms()
redis.call('HSET', wkey(id), 'url', ARGV[3], 'body', ARGV[4], 'createdAt', t, 'attempts', 0, 'state', 'pending')
redis.call('PEXPIRE', wkey(id), tonumber(ARGV[5]))
redis.call('ZADD', WEBHOOKS_DUE, t, id)
return { 'ok' }
