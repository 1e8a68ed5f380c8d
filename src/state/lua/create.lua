-- Creates a job: `uploading` (waits for its input's object-created event) or
-- directly `pending` (its input already exists). With maxPending, refuses
-- ('busy', how many are pending) while that many jobs or more are pending:
-- backpressure decided in the same step as the creation.
-- ARGV: prefix, jobId, status, inputBucket, inputKey, maxPending ('' for none), field, value, ...
local id, status, bucket, key, max_pending = ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6])
local j = jkey(id)
if status ~= 'uploading' and status ~= 'pending' then return { 'invalid', 'initial status must be uploading or pending' } end
if max_pending then
  local pending = redis.call('ZCARD', skey('pending'))
  if pending >= max_pending then return { 'busy', tostring(pending) } end
end
if redis.call('EXISTS', j) == 1 then return { 'conflict', 'job exists' } end
local ikey = P .. 'input:' .. bucket .. '/' .. key
if status == 'uploading' and redis.call('EXISTS', ikey) == 1 then
  return { 'conflict', 'another job awaits an upload to this key' }
end
local t = now_ms()
local fields = { 'jobId', id, 'inputBucket', bucket, 'inputKey', key, 'createdAt', t, 'attempts', 0, 'progress', 0 }
local priority
for i = 7, #ARGV, 2 do
  fields[#fields + 1] = ARGV[i]
  fields[#fields + 1] = ARGV[i + 1]
  if ARGV[i] == 'priority' then priority = ARGV[i + 1] end
end
redis.call('ZADD', P .. 'jobs', t, id)
if status == 'uploading' then
  redis.call('SET', ikey, id)
  fields[#fields + 1] = 'uploadKey'
  fields[#fields + 1] = ikey
  set_status(id, nil, 'uploading', t, fields)
else
  fields[#fields + 1] = 'queuedAt'
  fields[#fields + 1] = t
  set_status(id, nil, 'pending', t, fields)
  enqueue(id, priority or '0')
end
return { 'ok', tostring(t) }
