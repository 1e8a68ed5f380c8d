#!/usr/bin/env bash
# Control plane API throughput with wrk: GET /api/jobs/{id} (one Redis read
# per request) and POST /api/upload (validation, presigning, one Lua script
# per request), against `tcoder control` on a private redis-server.
# Usage: bench/control_bench.sh [tcoder binary] [seconds per run] [wrk threads] [connections]
# (api_threads=N in the environment sets the control plane's io threads; default 4)
# Default binary: build/tcoder (built with scripts/build.sh release when absent).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bin=${1:-build/tcoder}
secs=${2:-10}
threads=${3:-2}
conns=${4:-32}
[ -x "$bin" ] || scripts/build.sh release
need_tools wrk curl python3 redis-server

work=$(mktemp -d /tmp/control-bench.XXXXXX)

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" >/dev/null &
pids+=($!)
api_port=$(free_port)
key=bench-api-key-0123456789
"$bin" control --port "$api_port" --data-dir "$work/data" --redis-url "redis://127.0.0.1:$redis_port" \
  --api-key "$key" --max-machines 0 --max-pending 100000000 --threads "${api_threads:-4}" --log-level warn &
pids+=($!)
wait_port "$api_port"
api="http://127.0.0.1:$api_port"

job=$(curl -sf -H "Authorization: Bearer $key" -d '{"filename":"bench.mp4"}' "$api/api/upload" |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["jobId"])')
cat > "$work/upload.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"filename":"bench.mp4","preset":"hls","outputQualities":["720p"]}'
wrk.headers["Authorization"] = "Bearer $key"
wrk.headers["Content-Type"] = "application/json"
LUA

echo "control bench: tcoder control --threads ${api_threads:-4} (its default) on a private redis-server over TCP;"
echo "  wrk -t$threads -c$conns -d${secs}s over loopback; $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
echo "== GET /api/jobs/{id}: wrk -t$threads -c$conns -d${secs}s"
wrk -t"$threads" -c"$conns" -d"${secs}s" -H "Authorization: Bearer $key" "$api/api/jobs/$job"
echo "== POST /api/upload: wrk -t$threads -c$conns -d${secs}s"
wrk -t"$threads" -c"$conns" -d"${secs}s" -s "$work/upload.lua" "$api/api/upload"
