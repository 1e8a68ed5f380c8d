#!/usr/bin/env bash
# Control plane API throughput with wrk against nginx in the same run:
# GET /api/jobs/{id} (one Redis read per request) and POST /api/upload
# (validation, a count of pending jobs, presigning, one Lua script per
# request), against `tcoder control` on a private redis-server (AOF on, as
# `tcoder up` runs it), each next to nginx serving a static file of the same
# size as that endpoint's answer. Targets (the state-speed issue): GET >= 0.5x
# and POST >= 0.25x nginx's requests/s.
# Usage: bench/control_bench.sh [tcoder binary] [seconds per run] [wrk threads] [connections] [rounds]
# (api_threads=N in the environment sets the control plane's io threads)
# Default binary: build/tcoder (built with scripts/build.sh release when absent).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bin=${1:-build/tcoder}
secs=${2:-10}
threads=${3:-2}
conns=${4:-32}
rounds=${5:-3}
[ -x "$bin" ] || scripts/build.sh release
need_tools wrk curl python3 redis-server nginx

work=$(mktemp -d /tmp/control-bench.XXXXXX)
chmod 755 "$work"

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly yes --appendfsync everysec \
  --dir "$work" --loglevel warning &
pids+=($!)
api_port=$(free_port)
key=bench-api-key-0123456789
thread_args=()
[ -n "${api_threads:-}" ] && thread_args=(--threads "$api_threads")
"$bin" control --port "$api_port" --data-dir "$work/data" --redis-url "redis://127.0.0.1:$redis_port" \
  --api-key "$key" --max-machines 0 --max-pending 100000000 "${thread_args[@]}" --log-level warn &
pids+=($!)
wait_port "$api_port"
api="http://127.0.0.1:$api_port"

# The same bytes from nginx: one answer of each endpoint, saved as a file.
mkdir -p "$work/www"
upload_body='{"filename":"bench.mp4","preset":"hls","outputQualities":["720p"]}'
curl -sf -H "Authorization: Bearer $key" -d "$upload_body" "$api/api/upload" > "$work/www/upload.json"
job=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["jobId"])' "$work/www/upload.json")
curl -sf -H "Authorization: Bearer $key" "$api/api/jobs/$job" > "$work/www/job.json"
nginx_port=$(free_port)
cat > "$work/nginx.conf" <<CONF
worker_processes auto;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
$( [ "$(id -u)" = 0 ] && echo "user root;" )
events { worker_connections 1024; }
http {
  access_log off;
  default_type application/json;
  client_body_temp_path $work/nginx-body;
  proxy_temp_path $work/nginx-proxy;
  fastcgi_temp_path $work/nginx-fastcgi;
  uwsgi_temp_path $work/nginx-uwsgi;
  scgi_temp_path $work/nginx-scgi;
  server {
    listen 127.0.0.1:$nginx_port;
    root $work/www;
  }
}
CONF
nginx -c "$work/nginx.conf" &
pids+=($!)
wait_port "$nginx_port"
cat > "$work/upload.lua" <<LUA
wrk.method = "POST"
wrk.body = '$upload_body'
wrk.headers["Authorization"] = "Bearer $key"
wrk.headers["Content-Type"] = "application/json"
LUA

echo "control bench: tcoder control (--threads ${api_threads:-default}) on a private redis-server over TCP (AOF on);"
echo "  nginx $(nginx -v 2>&1 | cut -d/ -f2) (worker_processes auto, access_log off) serving files of the same sizes"
echo "  ($(stat -c %s "$work/www/job.json") and $(stat -c %s "$work/www/upload.json") bytes);"
echo "  wrk -t$threads -c$conns -d${secs}s over loopback, in turn; $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
rate() { wrk -t"$threads" -c"$conns" -d"${secs}s" "$@" | awk '/^Requests\/sec/ {print $2}'; }
rows=()
for r in $(seq "$rounds"); do
  ng=$(rate "http://127.0.0.1:$nginx_port/job.json")
  get=$(rate -H "Authorization: Bearer $key" "$api/api/jobs/$job")
  nu=$(rate "http://127.0.0.1:$nginx_port/upload.json")
  post=$(rate -s "$work/upload.lua" "$api/api/upload")
  echo "round $r: nginx job.json $ng, GET /api/jobs/{id} $get, nginx upload.json $nu, POST /api/upload $post req/s"
  rows+=("$r $ng $get $nu $post")
done
printf '%s\n' "${rows[@]}" | python3 -c '
import sys
print("| round | nginx, job-sized file | `GET /api/jobs/{id}` | ratio | nginx, upload-sized file | `POST /api/upload` | ratio |")
print("|---|---|---|---|---|---|---|")
for line in sys.stdin:
    r, ng, get, nu, post = line.split()
    ng, get, nu, post = map(float, (ng, get, nu, post))
    print(f"| {r} | {ng:,.0f} | {get:,.0f} | {get / ng:.2f}x | {nu:,.0f} | {post:,.0f} | {post / nu:.2f}x |")
'
