#!/usr/bin/env bash
# The whole pipeline against the bare FFmpeg command: a 20 s 1920x1080 30 fps
# clip with audio, preset hls-adaptive with the 4-rung ladder (1080p, 720p,
# 480p, 360p), through `tcoder up` (upload complete -> completed, from the job
# record), beside the same FFmpeg command the worker ran, on the same file, in
# the same run, alternated, N runs each, medians. The worker's argv is taken
# from its debug log ("ffmpeg started"), so both run exactly the same command.
# Usage: bench/pipeline_bench.sh [tcoder binary] [runs]
# Default binary: build/tcoder (scripts/build.sh release). Needs ffmpeg,
# python3, curl. Everything lives in a temp dir, removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bin=$(realpath "${1:-build/tcoder}")
runs=${2:-3}
need_binary "$bin"
need_tools ffmpeg python3 curl

work=$(mktemp -d /tmp/pipeline-bench.XXXXXX)

# The inputs, made once (not timed).
clip=$work/clip1080p20s.mp4
ffmpeg -nostdin -hide_banner -v error -y -f lavfi -i testsrc2=size=1920x1080:rate=30 \
  -f lavfi -i sine=frequency=440:sample_rate=48000 -t 20 -c:v libx264 -preset veryfast -pix_fmt yuv420p \
  -c:a aac -b:a 128k -shortest -movflags +faststart "$clip"
ffmpeg -nostdin -hide_banner -v error -y -f lavfi -i testsrc2=size=1920x1080:rate=30 \
  -f lavfi -i sine=frequency=440:sample_rate=48000 -t 2 -c:v libx264 -preset veryfast -pix_fmt yuv420p \
  -c:a aac -shortest "$work/warmup.mp4"

# The stack: one worker machine, its debug log (the FFmpeg argv) in up.log.
api_port=$(free_port); s3_port=$(free_port); edge_port=$(free_port)
mkdir -p "$work/tmp"  # the workers' temp roots: removed with the rest
TMPDIR=$work/tmp TCODER_WORKER_LOG_LEVEL=debug "$bin" up --data-dir "$work/data" --api-port "$api_port" --s3-port "$s3_port" \
  --edge-port "$edge_port" --max-machines 1 --log-level info >"$work/up.out" 2>"$work/up.log" &
pids+=($!)
wait_port "$api_port" 60 || { echo "tcoder up did not start" >&2; tail "$work/up.log" >&2; exit 1; }
client=(--data-dir "$work/data" --server "http://127.0.0.1:$api_port")
transcode() {  # prints the final job record (JSON)
  "$bin" transcode "${client[@]}" --preset hls-adaptive --qualities 1080p,720p,480p,360p --json "$1" 2>/dev/null | tail -n 1
}

# Warm-up (not timed): the first job starts the worker machine.
transcode "$work/warmup.mp4" >"$work/warmup.json"

# Tools over the job records and the worker's log.
cat >"$work/tool.py" <<'PY'
import json, sys, datetime
def ts(s): return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()
def log_lines(path):
    for line in open(path, errors="replace"):
        try:
            yield json.loads(line)
        except ValueError:
            pass
def ffmpeg_runs(log, job_id):  # the job's FFmpeg runs, in order: (argv, ms)
    runs = []
    for l in log_lines(log):
        if l.get("component") != "worker" or ("job-" + job_id + "-") not in l.get("cwd", ""): continue
        if l["msg"] == "ffmpeg started": runs.append([l["argv"], None])
        elif l["msg"] == "ffmpeg ended" and runs: runs[-1][1] = l["ms"]
    return runs
cmd, args = sys.argv[1], sys.argv[2:]
if cmd == "job":  # job.json -> "id seconds" (uploadedAt -> completedAt)
    j = json.load(open(args[0]))
    if j.get("status") != "completed": sys.exit("job " + j.get("jobId", "?") + " ended " + j.get("status", "?") + ": " + str(j.get("error")))
    t = j["timestamps"]
    print(j["jobId"], "%.3f" % (ts(t["completedAt"]) - ts(t["uploadedAt"])))
elif cmd == "argv":  # log job_id clip -> the transcode argv, NUL-separated, the input replaced by clip
    runs = ffmpeg_runs(args[0], args[1])
    if not runs: sys.exit("no 'ffmpeg started' line for job " + args[1] + " (is the worker at debug level?)")
    argv = runs[0][0]
    inputs = [i for i, a in enumerate(argv) if a.startswith("file:") and argv[i - 1] == "-i"]
    if len(inputs) != 1: sys.exit("cannot find the input in " + json.dumps(argv))
    argv[inputs[0]] = "file:" + args[2]
    sys.stdout.write("\0".join(argv) + "\0")
elif cmd == "breakdown":  # log job.json -> one line of stage seconds
    j = json.load(open(args[1])); jid = j["jobId"]; t = j["timestamps"]
    claimed = uploaded = ended = None; stages = {}
    for l in log_lines(args[0]):
        if l.get("jobId") != jid or l.get("component") != "worker": continue
        if l["msg"] == "job claimed": claimed = ts(l["ts"])
        if l["msg"] == "outputs uploaded": uploaded = ts(l["ts"]); stages = l.get("stages", {})
    runs = ffmpeg_runs(args[0], jid)
    ff = (runs[0][1] or 0) / 1000; poster = sum((r[1] or 0) for r in runs[1:]) / 1000
    s = lambda k: stages.get(k, 0) / 1000
    parts = [("claim", claimed - ts(t["uploadedAt"])), ("download", s("downloadMs")), ("probe", s("probeMs")),
             ("ffmpeg", ff), ("poster", poster), ("transcode-other", s("transcodeMs") - ff - poster),
             ("upload", s("uploadMs")), ("complete", ts(t["completedAt"]) - uploaded)]
    print("  ".join("%s %.2f" % p for p in parts))
elif cmd == "ffmpeg":  # log job.json -> seconds of the job's transcode FFmpeg run inside the worker
    runs = ffmpeg_runs(args[0], json.load(open(args[1]))["jobId"])
    print("%.3f" % ((runs[0][1] or 0) / 1000 if runs else 0))
elif cmd == "median":
    v = sorted(float(x) for x in args); n = len(v)
    print("%.3f" % (v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2))
PY
tool() { python3 "$work/tool.py" "$@"; }

pipe_s=(); bare_s=(); inner_s=(); breakdowns=(); argv_ref=
pipeline_run() {  # $1: run number; sets argv to the worker's FFmpeg command for that job
  local i=$1 job='' secs=''
  transcode "$clip" >"$work/job$i.json"
  read -r job secs < <(tool job "$work/job$i.json") || true
  [ -n "${secs:-}" ] || { echo "pipeline run $i did not complete" >&2; exit 1; }
  pipe_s+=("$secs")
  sleep 0.5  # the worker's last log lines
  breakdowns+=("$(tool breakdown "$work/up.log" "$work/job$i.json")")
  inner_s+=("$(tool ffmpeg "$work/up.log" "$work/job$i.json")")
  mapfile -d '' argv < <(tool argv "$work/up.log" "$job" "$clip")
  [ "${#argv[@]}" -gt 0 ] || exit 1
  [ -z "$argv_ref" ] && argv_ref=$(printf '%q ' "${argv[@]}")
  [ "$argv_ref" = "$(printf '%q ' "${argv[@]}")" ] || { echo "the worker ran another command for job $i" >&2; exit 1; }
}
bare_run() {  # $1: run number; runs argv
  local out=$work/bare$1 t0 t1
  mkdir -p "$out"
  t0=$(now); (cd "$out" && "${argv[@]}" >/dev/null); t1=$(now)
  [ -s "$out/master.m3u8" ] || { echo "the bare command made no master playlist" >&2; exit 1; }
  bare_s+=("$(python3 -c "print('%.3f' % ($t1 - $t0))")")
  rm -rf "$out"
}

# Alternated in ABBA order (pipeline first in odd runs, bare first in even
# ones) so a load that drifts during the run favours neither side.
for i in $(seq "$runs"); do
  if [ $((i % 2)) = 1 ]; then pipeline_run "$i"; bare_run "$i"; else bare_run "$i"; pipeline_run "$i"; fi
done

pipe_med=$(tool median "${pipe_s[@]}")
bare_med=$(tool median "${bare_s[@]}")
inner_med=$(tool median "${inner_s[@]}")
ratio=$(python3 -c "print('%.3f' % ($pipe_med / $bare_med))")
cat <<REPORT
pipeline bench: 20 s 1920x1080 30 fps H.264 + AAC clip (testsrc2 + sine), preset hls-adaptive,
ladder 1080p,720p,480p,360p, $runs runs each, alternated (ABBA order), one worker machine
  method: pipeline = \`tcoder transcode --json\` against \`tcoder up\` ($bin); the time is the job
          record's completedAt - uploadedAt (upload complete -> completed: event, claim, download,
          probe, the FFmpeg transcode, the poster, the upload, the fenced completion).
          bare = the worker's own FFmpeg argv for that job (from its debug log), with the input
          replaced by the local clip, run in an empty directory, wall time. A 2 s warm-up job
          first starts the worker machine (not timed).
  ffmpeg argv: $argv_ref
  pipeline runs (s): ${pipe_s[*]}
  bare runs (s):     ${bare_s[*]}
  median: pipeline $pipe_med s, bare $bare_med s, ratio $ratio (target <= 1.10)
  the same FFmpeg run inside the worker (s): ${inner_s[*]} (median $inner_med)
  where the pipeline's time went (s), per run: claim = uploadedAt -> the worker's "job claimed";
  download, probe (sniff + ffprobe + validation) and upload from the worker's stage timings;
  ffmpeg and poster = the two FFmpeg runs' wall times; transcode-other = the rest of that stage
  (master playlist check, listing and moving the outputs); complete = outputs uploaded -> completedAt
REPORT
for b in "${breakdowns[@]}"; do echo "    $b"; done
echo "{\"pipeline_median_s\":$pipe_med,\"bare_median_s\":$bare_med,\"ratio\":$ratio,\"worker_ffmpeg_median_s\":$inner_med,\"runs\":$runs}"
