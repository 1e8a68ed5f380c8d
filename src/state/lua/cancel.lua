-- Cancel: a job not yet running ends at once; a running one is flagged and its
-- holder learns it on its next heartbeat. ARGV: prefix, jobId, ttlMs
local id = ARGV[2]
local st = redis.call('HGET', jkey(id), 'status')
if not st then return { 'not_found' } end
if ENDED[st] then return { 'conflict', 'job is already ' .. st } end
if st == 'running' then
  redis.call('HSET', jkey(id), 'cancelRequested', 1)
  return { 'requested' }
end
end_job(id, st, 'cancelled', now_ms(), tonumber(ARGV[3]), 'cancelled')
return { 'cancelled' }
