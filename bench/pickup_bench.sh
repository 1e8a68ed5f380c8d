#!/usr/bin/env bash
# Upload-complete to startedAt with an idle worker waiting: the time from the
# moment the presigned PUT returns to the client until a worker has claimed the
# job (the job's `startedAt`, written by the claim). Runs a private stack
# (`tcoder up`, max one machine) and N jobs one after another, each waiting for
# the worker to be idle again. Usage: bench/pickup_bench.sh [tcoder binary] [jobs]
# Default binary: build/tcoder (scripts/build.sh release).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bin=$(realpath "${1:-build/tcoder}")
jobs=${2:-50}
need_binary "$bin"
need_tools ffmpeg curl python3

work=$(mktemp -d /tmp/pickup-bench.XXXXXX)

api_port=$(free_port); s3_port=$(free_port); edge_port=$(free_port)
key=pickup-bench-key-0123456789
"$bin" up --data-dir "$work/data" --api-port "$api_port" --s3-port "$s3_port" --edge-port "$edge_port" \
  --api-key "$key" --max-machines 1 --idle-timeout 1h --log-level warn >"$work/up.log" 2>&1 &
pids+=($!)
wait_port "$api_port" 60 || { echo "tcoder up did not start" >&2; tail "$work/up.log" >&2; exit 1; }

# A tiny valid clip: the transcode itself is not what is measured.
ffmpeg -v error -f lavfi -i testsrc2=s=160x120:d=0.5:r=10 -c:v libx264 -preset ultrafast -f mp4 "$work/clip.mp4"

API="http://127.0.0.1:$api_port" KEY=$key CLIP="$work/clip.mp4" JOBS=$jobs python3 - <<'PY'
import datetime, json, os, statistics, time, urllib.request

api, key, clip, jobs = os.environ["API"], os.environ["KEY"], os.environ["CLIP"], int(os.environ["JOBS"])
body = open(clip, "rb").read()

def call(method, path, payload=None):
    req = urllib.request.Request(api + path, method=method, data=json.dumps(payload).encode() if payload else None,
                                 headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)

def epoch(iso):
    return datetime.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()

def run_one():
    up = call("POST", "/api/upload", {"filename": "clip.mp4", "preset": "default", "outputQualities": ["144p"]})
    put = urllib.request.Request(up["uploadUrl"], method="PUT", data=body)
    sent = time.time()
    with urllib.request.urlopen(put) as r:
        r.read()
    done = time.time()
    while True:
        job = call("GET", "/api/jobs/" + up["jobId"])
        if job["status"] in ("completed", "failed", "cancelled"):
            break
        time.sleep(0.02)
    if job["status"] != "completed":
        raise SystemExit("job %s ended %s: %s" % (job["jobId"], job["status"], job.get("error")))
    started = epoch(job["timestamps"]["startedAt"])
    return ((started - sent) * 1000.0, (started - done) * 1000.0)

run_one()  # starts the worker; it then waits idle
time.sleep(0.5)
pairs = [run_one() for _ in range(jobs)]

def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]

with_put = [a for a, _ in pairs]
after = [b for _, b in pairs]
p50, p99 = pct(after, 0.5), pct(after, 0.99)
print("pickup bench: %d jobs one at a time, one idle worker waiting (tcoder up, max-machines 1)" % jobs)
print("  method: upload complete = the store's 200 to the PUT reaches the client (t0): the object is")
print("          durable and its event written; t1 = the job's startedAt, set by the worker's claim")
print("          (Redis clock, same host, 1 ms steps, so a claim within the same millisecond can read")
print("          slightly negative). Each job runs to completion before the next upload, so the worker")
print("          is idle and blocked in BLPOP every time. Also shown: t1 measured from the moment the")
print("          PUT (2 KiB) was sent, which adds the store's fsyncs of object, directory and event spool")
print("  upload complete -> startedAt: p50 %.1f ms, p99 %.1f ms, max %.1f ms" % (p50, p99, max(after)))
print("  PUT sent        -> startedAt: p50 %.1f ms, p99 %.1f ms, max %.1f ms"
      % (pct(with_put, 0.5), pct(with_put, 0.99), max(with_put)))
print(json.dumps({"startup_p50_ms": round(p50, 2), "startup_p99_ms": round(p99, 2), "jobs": jobs}))
PY
