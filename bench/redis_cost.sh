#!/usr/bin/env bash
# Redis commands tcoder costs, as a per-command-billed Redis (Upstash) counts
# them, on a Redis of its own watched with MONITOR: "sent" are the commands
# tcoder's processes send, "all" adds the commands scripts run inside Redis
# (MONITOR's "lua" lines; what INFO commandstats sums). Reports one short job
# (2 s clip, upload to completed, webhooks off) on a stack whose worker is
# already up (warm) and on one that must start it (cold), then the idle rate
# with 0, 1, 8 and 32 idle workers, and the Upstash price those rates imply.
# Usage: bench/redis_cost.sh [tcoder binary] [idle seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bin=${1:-build/tcoder}
idle=${2:-120}
[ -x "$bin" ] || scripts/build.sh release
need_tools redis-server redis-cli ffmpeg

work=$(mktemp -d /tmp/redis-cost.XXXXXX)
ffmpeg -v error -f lavfi -i testsrc2=size=320x240:rate=30:duration=2 -f lavfi -i sine=duration=2 \
  -c:v libx264 -pix_fmt yuv420p -c:a aac -shortest "$work/clip.mp4"

# stack N: a fresh Redis and `tcoder up --max-machines N`; sets $redis_port, $client, $stack_pids.
stack() {
  local dir=$work/stack$1 api s3 edge
  mkdir -p "$dir"
  redis_port=$(free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" >/dev/null &
  stack_pids=($!)
  pids+=($!)
  until redis-cli -p "$redis_port" ping >/dev/null 2>&1; do sleep 0.05; done
  api=$(free_port) s3=$(free_port) edge=$(free_port)
  "$bin" up --data-dir "$dir/data" --redis-url "redis://127.0.0.1:$redis_port" --api-port "$api" --s3-port "$s3" \
    --edge-port "$edge" --max-machines "$1" --log-level warn >"$dir/up.log" 2>&1 &
  stack_pids+=($!)
  pids+=($!)
  wait_port "$api" 60
  client=(--server "http://127.0.0.1:$api" --data-dir "$dir/data")
}
unstack() {
  local p
  for p in "${stack_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${stack_pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
# monitor FILE: MONITOR into FILE in the background; sets $mon.
monitor() {
  redis-cli -p "$redis_port" monitor >"$1" &
  mon=$!
  sleep 0.5
}
unmonitor() {
  sleep 0.5
  kill "$mon"
  wait "$mon" 2>/dev/null || true
}
sent() { grep -c '^[0-9.]* \[[0-9]* [0-9.]*:[0-9]*\]' "$1" || true; }
all() { grep -c '^[0-9.]* \[[0-9]* ' "$1" || true; }
# jobs N: N transcodes at once.
jobs_at_once() {
  local p js=()
  for _ in $(seq "$1"); do
    "$bin" transcode "$work/clip.mp4" "${client[@]}" >/dev/null &
    js+=($!)
  done
  for p in "${js[@]}"; do wait "$p"; done
}
month() { python3 -c "import sys; print(f'{$1 * 60 * 24 * 30 * 0.20 / 100000:.2f}')"; }

stack 1
sleep 3
monitor "$work/cold.mon"
jobs_at_once 1
unmonitor
sleep 2
monitor "$work/warm.mon"
jobs_at_once 1
unmonitor
echo "redis cost: one 2 s job, warm worker: $(sent "$work/warm.mon") sent, $(all "$work/warm.mon") with scripts' inner commands"
echo "redis cost: one 2 s job, worker started for it: $(sent "$work/cold.mon") sent, $(all "$work/cold.mon") with inner"
unstack

json="{\"job_warm_sent\":$(sent "$work/warm.mon"),\"job_warm_all\":$(all "$work/warm.mon")"
json+=",\"job_cold_sent\":$(sent "$work/cold.mon"),\"job_cold_all\":$(all "$work/cold.mon")"
for n in 0 1 8 32; do
  stack "$n"
  [ "$n" -gt 0 ] && jobs_at_once "$n"  # every worker has run a job and waits for the next
  sleep 45                             # past the boot check that follows a burst (one read per machine started)
  monitor "$work/idle$n.mon"
  sleep "$idle"
  unmonitor
  per_min=$(($(all "$work/idle$n.mon") * 60 / idle))
  up=0
  for m in $(redis-cli -p "$redis_port" zrange '{tcoder}:machines' 0 -1); do
    [ "$(redis-cli -p "$redis_port" hget "{tcoder}:machine:$m" state)" = idle ] && up=$((up + 1))
  done
  echo "redis cost: idle, $n workers ($up idle in the pool): $per_min commands/min with inner ($(($(sent "$work/idle$n.mon") * 60 / idle)) sent)," \
    "\$$(month "$per_min / 1.0")/month at Upstash's \$0.20 per 100,000"
  json+=",\"idle_${n}_per_min\":$per_min"
  unstack
done
echo "$json}"
