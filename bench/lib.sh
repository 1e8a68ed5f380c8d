# Helpers shared by the benchmarks; every bench/*.sh sources this file after its
# `cd` to the checkout. Convention: a script keeps its temp directory in $work and
# appends every process it starts in the background to $pids; on exit, whatever
# the cause, those processes are stopped (SIGTERM, then waited for) and $work is
# removed.

pids=()
work=

bench_cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ -n "$work" ]; then rm -rf "$work"; fi
}
trap bench_cleanup EXIT

# need_tools TOOL...: exits 2 naming the first tool missing from PATH.
need_tools() {
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null || { echo "$t is missing (scripts/deps.sh installs it)" >&2; exit 2; }
  done
}

# need_binary PATH: exits 2 unless PATH is an executable.
need_binary() {
  [ -x "$1" ] || { echo "no $1: run scripts/build.sh release first" >&2; exit 2; }
}

# free_port: prints a TCP port free on 127.0.0.1 at the time of the call.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wait_port PORT [SECONDS]: waits until http://127.0.0.1:PORT/ answers (any
# status) within SECONDS (default 10), polling every 50 ms; returns 1 if it never does.
wait_port() {
  local tries=$(( ${2:-10} * 20 )) _
  for _ in $(seq "$tries"); do
    curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0
    sleep 0.05
  done
  return 1
}

# now: seconds since the epoch, to the nanosecond.
now() { date +%s.%N; }

# median VALUE...: the middle value (the lower middle of an even count).
median() { printf '%s\n' "$@" | sort -g | sed -n "$(( ($# + 1) / 2 ))p"; }
