-- An operator's requeue of a stuck job: running -> pending and ready at once
-- (its lease and token are dropped, so the holder's late writes are fenced
-- out; the attempt it used stays counted), or a pending job waiting out a
-- backoff -> ready now. A job already ready is left as it is.
-- ARGV: prefix, jobId, reason
local id, reason = ARGV[2], ARGV[3]
local j = jkey(id)
local st = redis.call('HGET', j, 'status')
if not st then return { 'not_found' } end
if st ~= 'running' and st ~= 'pending' then
  return { 'conflict', 'only running or pending jobs can be requeued, job is ' .. st }
end
if st == 'pending' and redis.call('ZSCORE', QUEUE, id) then return { 'ok', 'ready' } end
local t = now_ms()
if st == 'running' then
  redis.call('ZREM', LEASES, id)
  set_status(id, 'running', 'pending', t, { 'token', '', 'leaseUntil', '', 'machineId', '', 'progress', 0,
    'cancelRequested', 0, 'error', reason, 'queuedAt', t })
else
  redis.call('ZREM', DELAYED, id)
  redis.call('HSET', j, 'updatedAt', t, 'queuedAt', t)
end
enqueue(id)
return { 'ok', 'requeued' }
