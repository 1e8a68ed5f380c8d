-- Removes jobs that ended more than ttl ago (record and index entries).
-- ARGV: prefix, ttlMs, limit
local cutoff = now_ms() - tonumber(ARGV[2])
local n = 0
for status, _ in pairs(ENDED) do
  local ids = redis.call('ZRANGEBYSCORE', skey(status), '-inf', cutoff, 'LIMIT', 0, tonumber(ARGV[3]))
  for _, id in ipairs(ids) do
    local cur = redis.call('HGET', jkey(id), 'status')
    if not cur or cur == status then redis.call('DEL', jkey(id)) end
    redis.call('ZREM', skey(status), id)
    if not cur or cur == status then redis.call('ZREM', P .. 'jobs', id) end
    n = n + 1
  end
end
return { 'ok', n }
