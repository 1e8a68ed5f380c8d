-- pending -> running: takes the first ready job with a lease and a new fencing
-- token, attempts + 1, in one step. With no ready job the machine (if any) is
-- marked idle and the reply says how long until a delayed job is due (-1: none).
-- ARGV: prefix, machineId ('' for none), leaseMs
local machine, lease = ARGV[2], tonumber(ARGV[3])
local us = now_us()
local t = math.floor(us / 1000)
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
if m then redis.call('HSET', mkey(machine), 'state', 'running', 'lastActiveAt', t, 'jobId', id) end
return { 'ok', id, token, tostring(lease_until), tostring(attempts) }
