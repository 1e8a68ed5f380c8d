#!/usr/bin/env bash
# tcoder's queue against BullMQ on the same redis-server (AOF on, fsync every
# second, as `tcoder up` runs it), taking turns: `tcoder bench queue` and
# bench/bullmq/queue_bench.mjs with the same jobs, consumers and samples.
# BullMQ runs twice per round: C workers of concurrency 1 (one connection each,
# as tcoder's C claimers) and one worker of concurrency C.
# Usage: bench/queue_peer_bench.sh [tcoder binary] [rounds] [jobs] [consumers] [samples]
# Default binary: build/tcoder (built with scripts/build.sh release when absent).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bin=${1:-build/tcoder}
rounds=${2:-3}
jobs=${3:-20000}
conns=${4:-8}
samples=${5:-1000}
[ -x "$bin" ] || scripts/build.sh release
need_tools redis-server redis-cli node npm python3
[ -d bench/bullmq/node_modules/bullmq ] || (cd bench/bullmq && npm ci --no-audit --no-fund >/dev/null)

work=$(mktemp -d /tmp/queue-peer-bench.XXXXXX)
port=$(free_port)
redis-server --port "$port" --bind 127.0.0.1 --dir "$work" --appendonly yes --appendfsync everysec --save '' \
  --loglevel warning &
pids+=($!)
for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
url="redis://127.0.0.1:$port"

echo "queue peer bench: redis-server $(redis-server --version | grep -o 'v=[0-9.]*' | cut -c3-) (AOF on, everysec), $jobs jobs, $conns consumers, $samples pickup samples, $rounds rounds"
echo "  $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
# measure CMD...: runs a whole run (adds, pickup and throughput) and prints its
# last JSON line with the CPU seconds it cost Redis and the client added.
redis_cpu() { redis-cli -p "$port" info cpu | awk -F: '/^used_cpu_(user|sys):/ {s += $2} END {printf "%.3f", s}'; }
measure() {
  local before after
  before=$(redis_cpu)
  python3 -c '
import json, resource, subprocess, sys
out = subprocess.run(sys.argv[1:], check=True, capture_output=True, text=True).stdout
r = json.loads([l for l in out.splitlines() if l.startswith("{")][-1])
u = resource.getrusage(resource.RUSAGE_CHILDREN)
r["client_cpu_s"] = round(u.ru_utime + u.ru_stime, 3)
print(json.dumps(r))' "$@" > "$work/run.json"
  after=$(redis_cpu)
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); r["redis_cpu_s"]=round(float(sys.argv[3])-float(sys.argv[2]),3); print(json.dumps(r))' \
    "$work/run.json" "$before" "$after"
}
results=()
for r in $(seq "$rounds"); do
  t=$(measure "$bin" bench queue --redis-url "$url" --jobs "$jobs" --concurrency "$conns" --samples "$samples")
  b=$(measure node bench/bullmq/queue_bench.mjs "$url" --jobs "$jobs" --concurrency "$conns" --samples "$samples")
  b1=$(measure node bench/bullmq/queue_bench.mjs "$url" --jobs "$jobs" --concurrency "$conns" --samples "$samples" --one-worker)
  redis-cli -p "$port" bgrewriteaof >/dev/null  # keep the AOF from growing across rounds
  results+=("{\"round\":$r,\"tcoder\":$t,\"bullmq\":$b,\"bullmq_one_worker\":$b1}")
  echo "round $r: tcoder $t"
  echo "         bullmq ($conns workers) $b"
  echo "         bullmq (1 worker x $conns) $b1"
done
echo "CPU per job over a whole run (add, pickup samples, throughput), in microseconds: Redis / the client"
printf '%s\n' "${results[@]}" | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
print("| round | tcoder jobs/s | BullMQ jobs/s (best shape) | ratio | tcoder pickup p50 / p99 | BullMQ pickup p50 / p99 |")
print("|---|---|---|---|---|---|")
for r in rows:
    t = r["tcoder"]
    b = max(r["bullmq"], r["bullmq_one_worker"], key=lambda x: x["jobs_per_s"])
    bp = min(r["bullmq"], r["bullmq_one_worker"], key=lambda x: x["pickup_p50_ms"])
    cells = [str(r["round"]), "{:,.0f}".format(t["jobs_per_s"]), "{:,.0f}".format(b["jobs_per_s"]),
             "{:.2f}x".format(t["jobs_per_s"] / b["jobs_per_s"]),
             "{:.3f} / {:.3f} ms".format(t["pickup_p50_ms"], t["pickup_p99_ms"]),
             "{:.3f} / {:.3f} ms".format(bp["pickup_p50_ms"], bp["pickup_p99_ms"])]
    print("| " + " | ".join(cells) + " |")
n = int(sys.argv[1])
for r in rows:
    line = []
    for name, x in (("tcoder", r["tcoder"]), ("BullMQ, %s workers" % sys.argv[2], r["bullmq"]), ("BullMQ, 1 worker", r["bullmq_one_worker"])):
        line.append("%s %.0f / %.0f" % (name, x["redis_cpu_s"] * 1e6 / n, x["client_cpu_s"] * 1e6 / n))
    print("round %d: %s" % (r["round"], "; ".join(line)))
' "$jobs" "$conns"
