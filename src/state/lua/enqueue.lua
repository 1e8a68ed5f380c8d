-- queued -> pending: the job enters the ready queue. Idempotent: any other
-- status is left alone and reported. ARGV: prefix, jobId
local id = ARGV[2]
local st = redis.call('HGET', jkey(id), 'status')
if not st then return { 'not_found' } end
if st ~= 'queued' then return { 'noop', st } end
local t = now_ms()
set_status(id, 'queued', 'pending', t)
enqueue(id)
return { 'ok', 'pending' }
