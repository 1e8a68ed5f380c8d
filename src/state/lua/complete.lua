-- running -> completed, from the lease holder only; with a machine id, then
-- claims the next ready job for it in the same step (as claim.lua), so a
-- busy worker finishes one job and starts the next in one round trip.
-- ARGV: prefix, jobId, token, outputs (JSON), playlistUrl, posterUrl, ttlMs[, machineId, leaseMs]
local id, token = ARGV[2], ARGV[3]
local refused = fence(id, token)
if refused then return refused end
local t = now_ms()
end_job(id, 'running', 'completed', t, tonumber(ARGV[7]), '',
  { 'outputs', ARGV[4], 'playlistUrl', ARGV[5], 'posterUrl', ARGV[6], 'progress', 100 })
if not ARGV[8] then return { 'ok' } end
local next = claim_next(ARGV[8], tonumber(ARGV[9]))
table.insert(next, 1, 'ok')
return next
