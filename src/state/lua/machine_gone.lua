-- A machine whose process is gone (its worker died, or the control plane that
-- ran it as a child did) becomes stopped, so that admission may start it again
-- and the pool does not count it as busy forever. Compare-and-set: only while
-- it is still in the state, and of the owner, that the caller saw.
-- ARGV: prefix, machineId, seenState, seenOwner
local id, seen, owner = ARGV[2], ARGV[3], ARGV[4]
local f = redis.call('HMGET', mkey(id), 'state', 'owner')
if not f[1] then return { 'not_found' } end
if f[1] ~= seen or (f[2] or '') ~= owner then return { 'changed', f[1] } end
local t = now_ms()
redis.call('HSET', mkey(id), 'state', 'stopped', 'lastActiveAt', t, 'jobId', '')
publish_machine(id, t)
return { 'ok' }
