-- The target accepted the delivery: delivered, out of the due set. A record
-- that expired meanwhile is not made again. ARGV: prefix, id
local id = ARGV[2]
redis.call('ZREM', WEBHOOKS_DUE, id)
if redis.call('EXISTS', wkey(id)) == 0 then return { 'gone' } end
redis.call('HSET', wkey(id), 'state', 'delivered', 'deliveredAt', now_ms())
redis.call('HINCRBY', wkey(id), 'attempts', 1)
return { 'ok' }
