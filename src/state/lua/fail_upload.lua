-- uploading -> failed for an upload that never completed (the scheduler's
-- upload sweep). The key it awaited is released at once, so a later upload to
-- it is no one's and a new job may wait for it. ARGV: prefix, jobId, reason, ttlMs
local id, reason, ttl = ARGV[2], ARGV[3], tonumber(ARGV[4])
local j = jkey(id)
local f = redis.call('HMGET', j, 'status', 'uploadKey')
if f[1] ~= 'uploading' then return { 'not_uploading', f[1] or '' } end
local t = now_ms()
set_status(id, 'uploading', 'failed', t, { 'error', reason, 'completedAt', t })
redis.call('PEXPIRE', j, ttl)
if f[2] and redis.call('GET', f[2]) == id then redis.call('DEL', f[2]) end
return { 'ok' }
