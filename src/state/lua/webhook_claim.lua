-- Claims up to `limit` due deliveries for one sender: each is pushed leaseMs
-- ahead in the due set, so no other sender takes it meanwhile and it is due
-- again if this one dies. Entries whose record expired or is no longer pending
-- leave the set. The reply's first value: how long until the next entry is
-- due (-1: none). ARGV: prefix, leaseMs, limit
local t = now_ms()
local out = { 'ok', '-1' }
for _, id in ipairs(redis.call('ZRANGEBYSCORE', WEBHOOKS_DUE, '-inf', t, 'LIMIT', 0, tonumber(ARGV[3]))) do
  local f = redis.call('HMGET', wkey(id), 'url', 'body', 'state')
  if f[1] and f[3] == 'pending' then
    redis.call('ZADD', WEBHOOKS_DUE, t + tonumber(ARGV[2]), id)
    out[#out + 1] = id
    out[#out + 1] = f[1]
    out[#out + 1] = f[2] or ''
  else
    redis.call('ZREM', WEBHOOKS_DUE, id)
  end
end
local first = redis.call('ZRANGE', WEBHOOKS_DUE, 0, 0, 'WITHSCORES')
if #first > 0 then out[2] = tostring(math.max(tonumber(first[2]) - t, 0)) end
return out
