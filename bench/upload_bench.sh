#!/usr/bin/env bash
# A large upload through `tcoder transcode --no-wait` to the built-in store over
# loopback: one presigned PUT against parallel parts (multipart), same file,
# same store, same run. Two control planes share one Redis and one store: one
# answers every upload with a single PUT (--multipart-threshold above the
# file), the other in parts (16 MiB, the default). The time is the whole
# command: POST /api/upload, the bytes, and for parts the completion.
# Usage: bench/upload_bench.sh [tcoder binary] [size MiB] [parallel...]
# Default binary: build/tcoder (scripts/build.sh release); 2048 MiB; parallel 1, 4 and 8.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bin=$(realpath "${1:-build/tcoder}")
mib=${2:-2048}
shift $(( $# > 2 ? 2 : $# )) || true
parallels=("${@:-1 4 8}")
read -r -a parallels <<<"${parallels[*]}"
need_binary "$bin"
need_tools redis-server curl python3
work=$PWD/build/bench-upload
rm -rf "$work"; mkdir -p "$work"

redis_port=$(free_port); s3_port=$(free_port); put_port=$(free_port); parts_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly yes --dir "$work" >/dev/null &
pids+=($!)
key=upload-bench-key-0123456789; ak=benchkey; sk=benchsecret
common=(--redis-url "redis://127.0.0.1:$redis_port" --s3-access-key $ak --s3-secret-key $sk --log-level warn)
"$bin" storage --port "$s3_port" --data-dir "$work/store" "${common[@]}" &
pids+=($!)
control=(--s3-endpoint "http://127.0.0.1:$s3_port" --api-key "$key" --max-machines 0 --data-dir "$work/control"
         --max-upload-size 8GiB "${common[@]}")
"$bin" control --port "$put_port" --multipart-threshold 6GiB "${control[@]}" &
pids+=($!)
"$bin" control --port "$parts_port" "${control[@]}" &
pids+=($!)
for p in "$s3_port" "$put_port" "$parts_port"; do
  wait_port "$p" 30 || { echo "a server on port $p did not start" >&2; exit 1; }
done

head -c $((mib << 20)) /dev/urandom > "$work/upload.mov"
rate() { python3 -c "print(f'{$mib/($2-$1):.1f}')"; }
# One upload; prints MiB/s. The job is cancelled after, so the store stays small.
upload() {  # port [parallel]
  local t0 t1 out id
  sync
  t0=$(now)
  out=$("$bin" transcode "$work/upload.mov" --server "http://127.0.0.1:$1" --api-key "$key" --data-dir "$work/cli" \
        --no-wait --json ${2:+--parallel "$2"} 2>/dev/null)
  t1=$(now)
  id=$(python3 -c 'import json,sys; j=json.loads(sys.stdin.read().splitlines()[-1]); assert j["status"] not in ("failed", "cancelled"), j; print(j["jobId"])' <<<"$out")
  curl -s -o /dev/null -X DELETE -H "Authorization: Bearer $key" "http://127.0.0.1:$1/api/jobs/$id"
  curl -s -o /dev/null -X DELETE --aws-sigv4 "aws:amz:us-east-1:s3" --user "$ak:$sk" \
    "http://127.0.0.1:$s3_port/tcoder-input/uploads/$id/upload.mov"
  rate "$t0" "$t1"
}

put_runs=(); declare -A part_runs
for round in 1 2 3; do
  put_runs+=("$(upload "$put_port")")
  for n in "${parallels[@]}"; do part_runs[$n]+="$(upload "$parts_port" "$n") "; done
done
put=$(median "${put_runs[@]}")

echo "upload bench: $mib MiB, tcoder transcode --no-wait to $bin storage over loopback, same file and store"
echo "  method: 3 rounds of: one PUT, then parts at each parallelism; medians (runs in brackets);"
echo "          time = the whole command (POST /api/upload, bytes, completion); random bytes, 16 MiB parts"
echo "  single PUT         $put MiB/s   [${put_runs[*]}]"
for n in "${parallels[@]}"; do
  read -r -a runs <<<"${part_runs[$n]}"
  m=$(median "${runs[@]}")
  echo "  parts, parallel $n  $m MiB/s   [${runs[*]}] ($(python3 -c "print(f'{$m/$put:.2f}')")x the single PUT)"
done
