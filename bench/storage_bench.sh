#!/usr/bin/env bash
# Built-in S3 server throughput: one 1 GiB PUT and one 1 GiB GET with curl over
# loopback, beside `cp` of the same file on the same disk (the limit), in the
# same run. Usage: bench/storage_bench.sh [tcoder binary] [size MiB]
# Default binary: build/tcoder (scripts/build.sh release). Work files go under
# build/bench-storage/ (same disk as the server's data) and are removed after.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bin=${1:-build/tcoder}
mib=${2:-1024}
need_binary "$bin"
need_tools curl python3
work=$PWD/build/bench-storage
rm -rf "$work"; mkdir -p "$work"

port=$(free_port)
ak=benchkey; sk=benchsecret
"$bin" storage --port "$port" --data-dir "$work/data" --s3-access-key $ak --s3-secret-key $sk --log-level warn &
server_pid=$!
pids+=("$server_pid")
wait_port "$port" || { echo "tcoder storage did not start" >&2; exit 1; }

head -c $((mib << 20)) /dev/urandom > "$work/src.bin"
rate() { python3 -c "print(f'{$mib/($2-$1):.1f}')"; }
sign=(--aws-sigv4 "aws:amz:us-east-1:s3" --user "$ak:$sk" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD")
url="http://127.0.0.1:$port/tcoder-input/bench.bin"

# Three rounds, each: cp, cp + fsync, PUT, GET of the same 1 GiB file on the same disk;
# the medians are reported (one round alone swings with the page cache's writeback).
cp_runs=(); cps_runs=(); put_runs=(); get_runs=()
for round in 1 2 3; do
  sync
  t0=$(now); cp "$work/src.bin" "$work/copy.bin"; t1=$(now)
  cp_runs+=("$(rate "$t0" "$t1")")
  rm -f "$work/copy.bin"; sync
  t0=$(now); cp "$work/src.bin" "$work/copy.bin"; sync "$work/copy.bin"; t1=$(now)
  cps_runs+=("$(rate "$t0" "$t1")")
  rm -f "$work/copy.bin"; sync
  t0=$(now); code=$(curl -sS -o /dev/null -w '%{http_code}' "${sign[@]}" -T "$work/src.bin" "$url"); t1=$(now)
  [ "$code" = 200 ] || { echo "PUT failed: $code" >&2; exit 1; }
  put_runs+=("$(rate "$t0" "$t1")")
  sync
  t0=$(now); code=$(curl -sS -o "$work/back.bin" -w '%{http_code}' "${sign[@]}" "$url"); t1=$(now)
  [ "$code" = 200 ] || { echo "GET failed: $code" >&2; exit 1; }
  get_runs+=("$(rate "$t0" "$t1")")
  cmp -s "$work/src.bin" "$work/back.bin" || { echo "GET returned different bytes" >&2; exit 1; }
  rm -f "$work/back.bin"
done
cp_plain=$(median "${cp_runs[@]}"); cp_write=$(median "${cps_runs[@]}")
put=$(median "${put_runs[@]}"); get=$(median "${get_runs[@]}")
rss=$(awk '/VmHWM/ {print int($2/1024)}' /proc/$server_pid/status)

cat <<REPORT
storage bench: $mib MiB, curl over loopback to $bin storage, same disk as cp
  method: 3 rounds of cp, cp+sync, PUT, GET of the same file, medians (runs in brackets);
          PUT = curl -T (UNSIGNED-PAYLOAD; server streams to a temp file, MD5 for the ETag,
          fsync, rename); GET = curl -o to a file; cp = plain cp of the file (page cache
          allowed); cp+sync = cp then fsync of the copy (the durability PUT also pays)
  cp       $cp_plain MiB/s   [${cp_runs[*]}]
  cp+sync  $cp_write MiB/s   [${cps_runs[*]}]
  PUT      $put MiB/s   [${put_runs[*]}] ($(python3 -c "print(f'{100*$put/$cp_write:.0f}')")% of cp+sync, $(python3 -c "print(f'{100*$put/$cp_plain:.0f}')")% of cp)
  GET      $get MiB/s   [${get_runs[*]}] ($(python3 -c "print(f'{100*$get/$cp_plain:.0f}')")% of cp)
  server peak RSS: $rss MiB
REPORT
