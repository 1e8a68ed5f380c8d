#!/usr/bin/env bash
# Runs every endpoint of the control plane's API once against a private stack
# and prints each request and its real response, as docs/api.md shows them:
#   scripts/api_examples.sh [tcoder binary] > /tmp/api-session.md
# Default binary: build/tcoder. The stack lives in a temp dir, removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-build/tcoder}")
[ -x "$bin" ] || { echo "no $bin: run scripts/build.sh release first" >&2; exit 2; }
work=$(mktemp -d /tmp/api-examples.XXXXXX)
up_pid=
cleanup() { [ -n "$up_pid" ] && kill "$up_pid" 2>/dev/null && wait "$up_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

api_port=$(free_port); s3_port=$(free_port); edge_port=$(free_port)
KEY=example-api-key-0123456789
TCODER_INPUT_URL_ALLOW_PRIVATE=1 "$bin" up --data-dir "$work/data" --api-port "$api_port" --s3-port "$s3_port" \
  --edge-port "$edge_port" --api-key "$KEY" --max-machines 1 --log-level warn >"$work/up.log" 2>&1 &
up_pid=$!
for _ in $(seq 600); do curl -s -o /dev/null "http://127.0.0.1:$api_port/" && break; sleep 0.1; done
API=http://127.0.0.1:$api_port
ffmpeg -v error -f lavfi -i testsrc2=s=640x360:d=2:r=25 -f lavfi -i sine=d=2 -c:v libx264 -preset ultrafast \
  -c:a aac -shortest "$work/clip.mp4"

# Prints the command as typed (with $API and $KEY) and its output.
show() {
  local shown
  shown=$(python3 -c 'import shlex, sys; print(shlex.join(sys.argv[1:]))' "$@")
  shown=${shown//$API/\$API}
  shown=${shown//$KEY/\$KEY}
  printf '$ %s\n' "$shown"
  "$@" 2>&1 | sed "s#$API#\$API#g"
  printf '\n'
}
auth=(-H "Authorization: Bearer $KEY")
wait_status() {  # id status...
  for _ in $(seq 600); do
    s=$(curl -s "${auth[@]}" "$API/api/jobs/$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
    for want in "${@:2}"; do [ "$s" = "$want" ] && return 0; done
    sleep 0.1
  done
  return 1
}
field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

cd "$work"
echo '```'
show curl -s "$API/"
show curl -s "${auth[@]}" "$API/api/status"
upload=$(curl -s "${auth[@]}" -d '{"filename":"my clip.mp4","preset":"hls","outputQualities":["360p"]}' "$API/api/upload")
printf '$ curl -s -H "Authorization: Bearer $KEY" -d %s $API/api/upload\n%s\n\n' \
  "'{\"filename\":\"my clip.mp4\",\"preset\":\"hls\",\"outputQualities\":[\"360p\"]}'" "$upload"
id=$(echo "$upload" | field '["jobId"]')
url=$(echo "$upload" | field '["uploadUrl"]')
printf '$ curl -s -o /dev/null -w "%%{http_code}\\n" -T clip.mp4 "<uploadUrl>"\n'
curl -s -o /dev/null -w '%{http_code}\n' -T clip.mp4 "$url"
printf '\n'
wait_status "$id" completed failed
show curl -s "${auth[@]}" "$API/api/jobs/$id"
show curl -sN "${auth[@]}" "$API/api/jobs/$id/events"
show curl -s "${auth[@]}" "$API/api/jobs?status=completed&limit=1"
show curl -s "${auth[@]}" -d "{\"inputKey\":\"uploads/$id/my_clip.mp4\",\"preset\":\"web-optimized\",\"outputQualities\":[\"360p\"]}" "$API/api/jobs"
show curl -s "${auth[@]}" -d '{"inputUrl":"file:///etc/passwd"}' "$API/api/jobs"
edge_clip="http://127.0.0.1:$s3_port/none.mp4"
created=$(show curl -s "${auth[@]}" -d "{\"inputUrl\":\"$edge_clip\",\"preset\":\"default\"}" "$API/api/jobs")
printf '%s\n\n' "$created"
oid=$(printf '%s\n' "$created" | sed -n 2p | field '["jobId"]')
wait_status "$oid" failed completed
show curl -s "${auth[@]}" "$API/api/jobs/$oid"
second=$(curl -s "${auth[@]}" -d '{"filename":"later.mp4"}' "$API/api/upload" | field '["jobId"]')
show curl -s -X DELETE "${auth[@]}" "$API/api/jobs/$second"
show curl -s -X POST "${auth[@]}" "$API/api/jobs/$second/retry"
show curl -s -X DELETE "${auth[@]}" "$API/api/jobs/$id"
show curl -s "${auth[@]}" "$API/api/stats"
third=$(curl -s "${auth[@]}" -d '{"filename":"from-minio.mp4"}' "$API/api/upload")
tid=$(echo "$third" | field '["jobId"]')
tkey=$(echo "$third" | field '["inputKey"]')
curl -s -o /dev/null -T "$work/clip.mp4" "$(echo "$third" | field '["uploadUrl"]')"
cat >"$work/minio-event.json" <<JSON
{"EventName":"s3:ObjectCreated:Put","Key":"tcoder-input/$tkey","Records":[{"eventVersion":"2.0","eventSource":"minio:s3","eventName":"s3:ObjectCreated:Put","s3":{"bucket":{"name":"tcoder-input"},"object":{"key":"$tkey","size":1024,"eTag":"0123456789abcdef0123456789abcdef"}}}]}
JSON
printf '$ cat minio-event.json\n%s\n\n' "$(cat "$work/minio-event.json")"
show curl -s "${auth[@]}" -d @minio-event.json "$API/api/events/s3"
show curl -s -H "Authorization: Bearer wrong" "$API/api/jobs/$tid"
show curl -s -i -d "{\"jobId\":\"$tid\",\"token\":\"1\",\"status\":\"completed\"}" "$API/webhooks/job-complete"
wait_status "$tid" completed failed
printf '$ curl -s $API/metrics | grep -v "^#" | head -n 12\n'
curl -s "$API/metrics" | grep -v '^#' | head -n 12
echo '```'
