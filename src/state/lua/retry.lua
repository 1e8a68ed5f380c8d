-- failed | cancelled -> pending: the job is queued again with fresh attempts.
-- ARGV: prefix, jobId
local id = ARGV[2]
local j = jkey(id)
local st = redis.call('HGET', j, 'status')
if not st then return { 'not_found' } end
if st ~= 'failed' and st ~= 'cancelled' then return { 'conflict', 'only failed or cancelled jobs can be retried, job is ' .. st } end
local t = now_ms()
redis.call('PERSIST', j)
set_status(id, st, 'pending', t, { 'attempts', 0, 'error', '', 'completedAt', '', 'startedAt', '', 'progress', 0,
  'cancelRequested', 0, 'token', '', 'machineId', '', 'queuedAt', t })
enqueue(id)
return { 'ok' }
