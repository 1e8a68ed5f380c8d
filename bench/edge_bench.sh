#!/usr/bin/env bash
# Edge throughput on cached objects: wrk against `tcoder edge` (in front of the
# built-in S3 server) and against nginx serving the same files from disk, same
# run, same threads. Objects: a 1 MiB segment and a small playlist.
# Usage: bench/edge_bench.sh [tcoder binary] [seconds per run] [threads] [connections]
# Default binary: build/tcoder (built with scripts/build.sh release when absent).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bin=${1:-build/tcoder}
secs=${2:-10}
threads=${3:-2}
conns=${4:-32}
[ -x "$bin" ] || scripts/build.sh release
need_tools wrk nginx curl python3

work=$(mktemp -d /tmp/edge-bench.XXXXXX)
chmod 755 "$work"

# The objects, on disk for nginx and in the bucket for the edge.
www=$work/www/public/bench
mkdir -p "$www"
head -c $((1 << 20)) /dev/urandom > "$www/seg_000.ts"
{ echo "#EXTM3U"; echo "#EXT-X-VERSION:3"; echo "#EXT-X-TARGETDURATION:4";
  for i in $(seq 0 9); do echo "#EXTINF:4.000,"; echo "seg_00$i.ts"; done; echo "#EXT-X-ENDLIST"; } > "$www/index.m3u8"
chmod -R a+rX "$work/www"

ak=benchkey; sk=benchsecret
s3_port=$(free_port)
"$bin" storage --port "$s3_port" --data-dir "$work/s3" --s3-access-key $ak --s3-secret-key $sk --log-level warn &
pids+=($!)
wait_port "$s3_port"
sign=(--aws-sigv4 "aws:amz:us-east-1:s3" --user "$ak:$sk" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD")
s3="http://127.0.0.1:$s3_port/tcoder-output"
curl -s -o /dev/null "${sign[@]}" -X PUT "$s3"  # 409 when the bucket exists already
for f in seg_000.ts index.m3u8; do curl -sf -o /dev/null "${sign[@]}" -T "$www/$f" "$s3/public/bench/$f"; done

edge_port=$(free_port)
"$bin" edge --port "$edge_port" --threads "$threads" --s3-endpoint "http://127.0.0.1:$s3_port" \
  --s3-access-key $ak --s3-secret-key $sk --jwt-secret bench --data-dir "$work/edge" --log-level warn &
pids+=($!)
wait_port "$edge_port"

nginx_port=$(free_port)
mkdir -p "$work/nginx"
cat > "$work/nginx/nginx.conf" <<CONF
worker_processes $threads;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path $work/nginx;
  proxy_temp_path $work/nginx;
  fastcgi_temp_path $work/nginx;
  uwsgi_temp_path $work/nginx;
  scgi_temp_path $work/nginx;
  types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
  server {
    listen 127.0.0.1:$nginx_port;
    root $work/www;
  }
}
CONF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" &
pids+=($!)
wait_port "$nginx_port"

# Warm the edge's cache, and check both serve the same bytes.
for f in seg_000.ts index.m3u8; do
  a=$(curl -sf "http://127.0.0.1:$edge_port/public/bench/$f" | sha256sum)
  b=$(curl -sf "http://127.0.0.1:$nginx_port/public/bench/$f" | sha256sum)
  [ "$a" = "$b" ] || { echo "edge and nginx disagree on $f" >&2; exit 1; }
done

rps() { wrk -t"$threads" -c"$conns" -d"${secs}s" "$1" | awk '/Requests\/sec/ {print $2}'; }
echo "edge bench: wrk -t$threads -c$conns -d${secs}s over loopback; edge --threads $threads (cache warm),"
echo "  nginx worker_processes $threads (sendfile, files in page cache); $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
echo "  3 rounds, edge and nginx alternating; medians, runs in brackets"
printf '  %-22s %12s %12s %7s\n' object "edge req/s" "nginx req/s" ratio
for f in seg_000.ts index.m3u8; do
  e_runs=(); n_runs=()
  for round in 1 2 3; do
    e_runs+=("$(rps "http://127.0.0.1:$edge_port/public/bench/$f")")
    n_runs+=("$(rps "http://127.0.0.1:$nginx_port/public/bench/$f")")
  done
  e=$(median "${e_runs[@]}"); n=$(median "${n_runs[@]}")
  printf '  %-22s %12s %12s %7s   edge [%s] nginx [%s]\n' "$f ($(stat -c %s "$www/$f") B)" "$e" "$n" \
    "$(python3 -c "print(f'{$e/$n:.2f}')")" "${e_runs[*]}" "${n_runs[*]}"
done
