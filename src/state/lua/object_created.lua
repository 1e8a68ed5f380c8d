-- An object-created event for a job's input: uploading -> queued, once.
-- A repeat of the same upload (same etag) is a duplicate; anything else for a
-- job past `uploading` is ignored. ARGV: prefix, bucket, key, size, etag
local ikey = P .. 'input:' .. ARGV[2] .. '/' .. ARGV[3]
local id = redis.call('GET', ikey)
if not id then return { 'unknown' } end
local j = jkey(id)
local f = redis.call('HMGET', j, 'status', 'inputEtag')
if not f[1] then return { 'unknown' } end
if f[1] ~= 'uploading' then
  if f[2] == ARGV[5] then return { 'duplicate', id, f[1] } end
  return { 'ignored', id, f[1] }
end
local t = now_ms()
set_status(id, 'uploading', 'queued', t, { 'size', ARGV[4], 'inputEtag', ARGV[5], 'uploadedAt', t, 'queuedAt', t })
return { 'queued', id, 'queued' }
