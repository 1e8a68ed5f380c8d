-- The start-up access check (access_check.cc): runs only if this connection
-- may load and run scripts, and reads one key of the deployment.
-- ARGV: prefix
return {'ok', redis.call('EXISTS', P .. 'access-probe')}
