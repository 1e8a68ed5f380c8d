-- pending -> running: takes the first ready job with a lease and a new fencing
-- token, attempts + 1, in one step. With no ready job the machine (if any) is
-- marked idle and the reply says how long until a delayed job is due (-1: none).
-- ARGV: prefix, machineId ('' for none), leaseMs
return claim_next(ARGV[2], tonumber(ARGV[3]))
