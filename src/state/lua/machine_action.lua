-- An operator's action on a machine, each one atomic step:
--   drain:   starting | running | idle -> draining: it finishes the job it
--            has, claims no more (claim_next answers 'drain'), and its worker
--            stops; a blocked claim is woken. Refused for a stopped machine.
--   start:   stopped -> starting, the drain flag cleared, `owner` recorded.
--   stop:    starting | running | idle: the request is recorded (the provider
--            stops it; its worker marks it stopped). Refused when stopped.
--   destroy: out of the pool; a job it still held goes back to the queue at
--            once, its holder fenced out (the attempt stays counted).
-- ARGV: prefix, machineId, action, owner, reason
local id, action, owner, reason = ARGV[2], ARGV[3], ARGV[4] or '', ARGV[5] or ''
local k = mkey(id)
local wake = P .. 'machine-wake:' .. id
local f = redis.call('HMGET', k, 'state', 'draining', 'jobId')
local st = f[1]
if not st then return { 'not_found' } end
local t = now_ms()
if action == 'drain' then
  if st == 'stopped' then return { 'conflict', 'machine ' .. id .. ' is stopped: nothing to drain' } end
  if f[2] == '1' then return { 'ok', st, '' } end
  redis.call('HSET', k, 'draining', '1', 'drainRequestedAt', t)
  redis.call('LPUSH', wake, '1')
  redis.call('PEXPIRE', wake, 60000)
  publish_machine(id, t)
  return { 'ok', st, '' }
end
if action == 'start' then
  if st ~= 'stopped' then
    return { 'conflict', 'machine ' .. id .. ' is ' .. st .. ': only a stopped machine can be started' }
  end
  redis.call('HSET', k, 'state', 'starting', 'lastActiveAt', t, 'owner', owner, 'draining', '0')
  redis.call('DEL', wake)
  publish_machine(id, t)
  return { 'ok', st, '' }
end
if action == 'stop' then
  if st == 'stopped' then return { 'conflict', 'machine ' .. id .. ' is stopped already' } end
  redis.call('HSET', k, 'stopRequestedAt', t)
  return { 'ok', st, '' }
end
if action ~= 'destroy' then return { 'invalid', 'unknown machine action ' .. action } end
local job = f[3] or ''
local requeued = ''
if job ~= '' then
  local jf = redis.call('HMGET', jkey(job), 'status', 'machineId')
  if jf[1] == 'running' and jf[2] == id then
    redis.call('ZREM', LEASES, job)
    set_status(job, 'running', 'pending', t, { 'token', '', 'leaseUntil', '', 'machineId', '', 'progress', 0,
      'cancelRequested', 0, 'error', reason, 'queuedAt', t })
    enqueue(job)
    requeued = job
  end
end
redis.call('ZREM', P .. 'machines', id)
redis.call('DEL', k, wake)
publish_machine(id, t)
return { 'ok', st, requeued }
