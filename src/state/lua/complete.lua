-- running -> completed, from the lease holder only.
-- ARGV: prefix, jobId, token, outputs (JSON), playlistUrl, posterUrl, ttlMs
local id, token = ARGV[2], ARGV[3]
local refused = fence(id, token)
if refused then return refused end
local t = now_ms()
end_job(id, 'running', 'completed', t, tonumber(ARGV[7]), '',
  { 'outputs', ARGV[4], 'playlistUrl', ARGV[5], 'posterUrl', ARGV[6], 'progress', 100 })
return { 'ok' }
