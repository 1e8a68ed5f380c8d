#!/usr/bin/env bash
# Redis commands tcoder costs, as a per-command-billed Redis (Upstash) counts
# them: INFO commandstats summed over every command, scripts' inner commands
# included, on a Redis of its own. Reports commands for one short job (upload
# to completed, 2 s clip) and the idle rate afterwards, with idle workers.
# Usage: bench/redis_cost.sh [tcoder binary] [idle seconds] [workers]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bin=${1:-build/tcoder}
idle=${2:-60}
workers=${3:-2}
[ -x "$bin" ] || scripts/build.sh release
need_tools redis-server redis-cli ffmpeg

work=$(mktemp -d /tmp/redis-cost.XXXXXX)
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" >/dev/null &
pids+=($!)
until redis-cli -p "$redis_port" ping >/dev/null 2>&1; do sleep 0.05; done
calls() { redis-cli -p "$redis_port" info commandstats | awk -F'calls=' 'NF > 1 { split($2, a, ","); n += a[1] } END { print n }'; }

api=$(free_port) s3=$(free_port) edge=$(free_port)
"$bin" up --data-dir "$work/data" --redis-url "redis://127.0.0.1:$redis_port" --api-port "$api" --s3-port "$s3" \
  --edge-port "$edge" --max-machines "$workers" --log-level warn >"$work/up.log" 2>&1 &
pids+=($!)
wait_port "$api" 60
ffmpeg -v error -f lavfi -i testsrc2=size=320x240:rate=30:duration=2 -f lavfi -i sine=duration=2 \
  -c:v libx264 -pix_fmt yuv420p -c:a aac -shortest "$work/clip.mp4"
client=(--server "http://127.0.0.1:$api" --data-dir "$work/data")

sleep 5  # the stack settles
before=$(calls)
"$bin" transcode "$work/clip.mp4" "${client[@]}" >/dev/null
after=$(calls)
more=()  # one job per further worker, so each has run and stays idle
for _ in $(seq 2 "$workers"); do
  "$bin" transcode "$work/clip.mp4" "${client[@]}" >/dev/null &
  more+=($!)
done
for p in "${more[@]}"; do wait "$p"; done
sleep 5
idle_start=$(calls)
sleep "$idle"
idle_end=$(calls)
per_job=$((after - before))
per_min=$(( (idle_end - idle_start) * 60 / idle ))
echo "redis cost: one 2 s job $per_job commands (upload, events, claim, progress, completion, webhooks off)"
echo "redis cost: idle with $workers workers: $per_min commands/min over ${idle}s"
echo "{\"commands_per_job\":$per_job,\"idle_commands_per_min\":$per_min,\"workers\":$workers}"
