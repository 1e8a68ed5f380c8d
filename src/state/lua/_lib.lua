-- Helpers shared by every state script; embed_lua.cmake prepends this file.
-- ARGV[1] is always the key prefix with its hash tag, e.g. "{tcoder}:"; every
-- key a script touches starts with it, so all of them live in one cluster slot.
-- Scripts check everything before their first write and return a table whose
-- first element is an outcome word ("ok", "stale", "not_found", ...).
local P = ARGV[1]
local QUEUE, DELAYED, WAKE, LEASES = P .. 'queue', P .. 'delayed', P .. 'wake', P .. 'leases'
local PRIORITY_SPAN = 1099511627776 -- 2^40: queue score = priority * 2^40 + sequence

local function now_us()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end

local function now_ms() return math.floor(now_us() / 1000) end

local function jkey(id) return P .. 'job:' .. id end
local function mkey(id) return P .. 'machine:' .. id end
local function skey(status) return P .. 'status:' .. status end
local function wkey(id) return P .. 'webhook:' .. id end
local WEBHOOKS_DUE = P .. 'webhooks:due'

local ENDED = { completed = true, failed = true, cancelled = true }

-- Publishes the job's current status and progress on its channel (with the
-- machine that runs it, while it runs).
local function publish(id, t)
  local f = redis.call('HMGET', jkey(id), 'status', 'progress', 'attempts', 'error', 'machineId')
  local msg = { jobId = id, status = f[1], progress = tonumber(f[2] or '0'), attempts = tonumber(f[3] or '0'),
    at = t }
  if f[4] and f[4] ~= '' then msg.error = f[4] end
  if f[1] == 'running' and f[5] and f[5] ~= '' then msg.machineId = f[5] end
  redis.call('PUBLISH', P .. 'job-events:' .. id, cjson.encode(msg))
end

-- Publishes a machine's state, job and drain flag on its channel; a machine
-- no longer in the pool is announced as 'gone'.
local function publish_machine(id, t)
  local f = redis.call('HMGET', mkey(id), 'state', 'jobId', 'draining')
  local msg = { machineId = id, state = f[1] or 'gone', jobId = f[2] or '', draining = f[3] == '1', at = t }
  redis.call('PUBLISH', P .. 'machine-events:' .. id, cjson.encode(msg))
end

-- Counts an attempt's ending on the machine that ran it: a completion in
-- jobsDone, a failure's reason as lastError. A machine no longer in the pool
-- is left alone (HINCRBY would bring back a partial record).
local function machine_attempt_ended(id, completed, err)
  local machine = redis.call('HGET', jkey(id), 'machineId')
  if not machine or machine == '' or redis.call('EXISTS', mkey(machine)) == 0 then return end
  if completed then
    redis.call('HINCRBY', mkey(machine), 'jobsDone', 1)
  elseif err and err ~= '' then
    redis.call('HSET', mkey(machine), 'lastError', err)
  end
end

-- Moves a job between status indexes, sets its status (and the optional
-- extra field/value pairs) and announces it.
local function set_status(id, from, to, t, extra)
  if from then redis.call('ZREM', skey(from), id) end
  redis.call('ZADD', skey(to), t, id)
  redis.call('HSET', jkey(id), 'status', to, 'updatedAt', t, unpack(extra or {}))
  publish(id, t)
end

-- Keeps the wake-up tokens at most as many as ready jobs.
local function trim_wake()
  local ready = redis.call('ZCARD', QUEUE)
  if ready == 0 then redis.call('DEL', WAKE) else redis.call('LTRIM', WAKE, 0, ready - 1) end
end

-- Puts a job in the ready queue (priority, then FIFO) and wakes one waiter.
local function enqueue(id, priority)
  local prio = tonumber(priority or redis.call('HGET', jkey(id), 'priority') or '0') or 0
  local seq = redis.call('INCR', P .. 'seq')
  redis.call('ZADD', QUEUE, prio * PRIORITY_SPAN + seq, id)
  redis.call('LPUSH', WAKE, '1')
  trim_wake()
end

-- Moves delayed entries whose time has come into the ready queue.
local function promote_due(t)
  local due = redis.call('ZRANGEBYSCORE', DELAYED, '-inf', t, 'LIMIT', 0, 1000)
  for _, id in ipairs(due) do
    redis.call('ZREM', DELAYED, id)
    enqueue(id)
  end
  return #due
end

-- nil when `token` is the running job's current fencing token, else the refusal.
local function fence(id, token)
  local f = redis.call('HMGET', jkey(id), 'status', 'token')
  if not f[1] then return { 'not_found' } end
  if f[1] ~= 'running' or f[2] ~= token then return { 'stale', f[1] } end
  return nil
end

-- Ends a job (completed, failed or cancelled): no lease, kept `ttl` ms.
local function end_job(id, from, to, t, ttl, err, extra)
  local j = jkey(id)
  extra = extra or {}
  for _, v in ipairs({ 'completedAt', t, 'token', '', 'leaseUntil', '' }) do extra[#extra + 1] = v end
  if err then
    extra[#extra + 1] = 'error'
    extra[#extra + 1] = err
  end
  if from == 'running' then
    redis.call('ZREM', LEASES, id)
    if to ~= 'cancelled' then machine_attempt_ended(id, to == 'completed', err) end
  else
    redis.call('ZREM', QUEUE, id)
    redis.call('ZREM', DELAYED, id)
  end
  set_status(id, from, to, t, extra)
  redis.call('PEXPIRE', j, ttl)
  local ikey = redis.call('HGET', j, 'uploadKey')
  if ikey and redis.call('GET', ikey) == id then redis.call('PEXPIRE', ikey, ttl) end
end

-- Exponential backoff: base * 2^(attempts-1), capped, scaled by 0.5..1 (jitter).
local function backoff(attempts, base, cap, jitter)
  local d = base * (2 ^ math.max(attempts - 1, 0))
  if d > cap then d = cap end
  return math.floor(d * (0.5 + jitter / 2))
end

-- A running job whose attempt failed: back to pending after a backoff when it
-- may be retried and has attempts left, else failed for good.
local function retry_or_fail(id, t, reason, retryable, base, cap, jitter, ttl)
  local j = jkey(id)
  local f = redis.call('HMGET', j, 'attempts', 'maxAttempts')
  local attempts, max = tonumber(f[1] or '0'), tonumber(f[2] or '1')
  if retryable and attempts < max then
    machine_attempt_ended(id, false, reason)
    local delay = backoff(attempts, base, cap, jitter)
    redis.call('ZREM', LEASES, id)
    redis.call('ZADD', DELAYED, t + delay, id)
    set_status(id, 'running', 'pending', t, { 'error', reason, 'token', '', 'leaseUntil', '', 'machineId', '',
      'progress', 0 })
    return 'retry'
  end
  if retryable then reason = reason .. ' (gave up after ' .. attempts .. ' attempts)' end
  end_job(id, 'running', 'failed', t, ttl, reason)
  return 'failed'
end

-- pending -> running for the first ready job (see claim.lua): its reply,
-- { 'ok', id, token, leaseUntil, attempts }, { 'empty', msUntilADelayedJobIsDue or -1 },
-- or { 'drain' } for a machine an operator drains: it takes no more jobs.
local function claim_next(machine, lease)
  local us = now_us()
  local t = math.floor(us / 1000)
  if machine ~= '' and redis.call('HGET', mkey(machine), 'draining') == '1' then
    if redis.call('HGET', mkey(machine), 'jobId') ~= '' then
      redis.call('HSET', mkey(machine), 'jobId', '')
      publish_machine(machine, t)
    end
    return { 'drain' }
  end
  promote_due(t)
  local id, attempts
  while not id do
    local popped = redis.call('ZPOPMIN', QUEUE)
    if #popped == 0 then break end
    local f = redis.call('HMGET', jkey(popped[1]), 'status', 'attempts')
    if f[1] == 'pending' then id, attempts = popped[1], tonumber(f[2] or '0') + 1 end
  end
  local m = machine ~= '' and redis.call('EXISTS', mkey(machine)) == 1
  if not id then
    redis.call('DEL', WAKE) -- nothing is ready: no waiter needs waking
    -- Becoming idle starts the idle clock; waiting again while idle must not
    -- restart it, or an idle machine would never be stopped.
    local mstate = m and redis.call('HGET', mkey(machine), 'state')
    if m and mstate ~= 'stopped' and mstate ~= 'idle' then
      redis.call('HSET', mkey(machine), 'state', 'idle', 'lastActiveAt', t, 'jobId', '')
      publish_machine(machine, t)
    end
    local nxt = redis.call('ZRANGE', DELAYED, 0, 0, 'WITHSCORES')
    local wait = -1
    if #nxt > 0 then wait = math.max(tonumber(nxt[2]) - t, 0) end
    return { 'empty', tostring(wait) }
  end
  -- Past the last token and past this server's clock (us): a claim that a
  -- failover lost never has its token issued again by the promoted replica.
  local token = math.max(tonumber(redis.call('GET', P .. 'fence') or '0') + 1, us)
  token = string.format('%.0f', token)
  redis.call('SET', P .. 'fence', token)
  local lease_until = t + lease
  redis.call('ZADD', LEASES, lease_until, id)
  set_status(id, 'pending', 'running', t, { 'token', token, 'leaseUntil', lease_until, 'machineId', machine,
    'startedAt', t, 'cancelRequested', 0, 'progress', 0, 'attempts', attempts })
  if m then
    redis.call('HSET', mkey(machine), 'state', 'running', 'lastActiveAt', t, 'jobId', id)
    publish_machine(machine, t)
  end
  return { 'ok', id, token, tostring(lease_until), tostring(attempts) }
end
