-- An operator's fail of a job that has not ended (uploading, queued, pending
-- or running): failed at once with `reason`, out of the queue, its lease and
-- token dropped (a holder's late writes are fenced out), kept `ttl` ms. The
-- upload key an uploading job awaited is released at once, as fail_upload.lua does.
-- ARGV: prefix, jobId, reason, ttlMs
local id, reason = ARGV[2], ARGV[3]
local j = jkey(id)
local f = redis.call('HMGET', j, 'status', 'uploadKey')
local st = f[1]
if not st then return { 'not_found' } end
if ENDED[st] then return { 'conflict', 'job already ended: ' .. st } end
end_job(id, st, 'failed', now_ms(), tonumber(ARGV[4]), reason)
if st == 'uploading' and f[2] and redis.call('GET', f[2]) == id then redis.call('DEL', f[2]) end
return { 'ok' }
