#!/usr/bin/env bash
# Bytes and PSNR of the hls-adaptive ladder (1080p, 720p, 480p, 360p) under
# the two rate controls, on three kinds of content, in the same run: the
# rung's average bitrate (`-b:v`, as before) and capped constant quality
# (`-crf 23` capped by the rung's `-maxrate`/`-bufsize`, the default). Each
# rung's PSNR is against the source scaled to its size (`tcoder bench ladder`,
# worker/ladder_bench.h). The content is synthetic, made with lavfi, 20 s of
# 1920x1080 at 30 fps each:
#   slides       - a still test card that changes every 5 s (a slide deck)
#   talking-head - a static background with a moving 480x480 picture (a speaker)
#   high-motion  - a moving test pattern under heavy temporal noise (sport, confetti)
# Usage: bench/ladder_bench.sh [tcoder binary]
# Default binary: build/tcoder (scripts/build.sh release). Needs ffmpeg, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bin=$(realpath "${1:-build/tcoder}")
need_binary "$bin"
need_tools ffmpeg python3

work=$(mktemp -d /tmp/ladder-bench.XXXXXX)
make_clip() {  # NAME, then the input and filter arguments of ffmpeg
  local name=$1
  shift
  ffmpeg -nostdin -hide_banner -v error -y "$@" -t 20 -c:v libx264 -preset veryfast -crf 12 -pix_fmt yuv420p \
    -an "$work/$name.mp4"
}
make_clip slides -f lavfi -i "testsrc=size=1920x1080:rate=0.2:duration=20" -vf fps=30
make_clip talking-head -f lavfi -i "smptehdbars=size=1920x1080:rate=30:duration=20" \
  -f lavfi -i "testsrc2=size=480x480:rate=30:duration=20" -filter_complex "[0][1]overlay=720:300"
make_clip high-motion -f lavfi -i "testsrc2=size=1920x1080:rate=30:duration=20" -vf "noise=alls=25:allf=t+u"

echo "ladder bench: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $("$bin" version 2>/dev/null | head -n 1)"
printf '%-13s %-8s %12s %12s %8s %8s %8s %8s %6s\n' content rate total_bytes video_bytes 360p 480p 720p 1080p secs
for kind in slides talking-head high-motion; do
  for rc in bitrate crf; do
    "$bin" bench ladder --input "$work/$kind.mp4" --rate-control "$rc" >"$work/out.txt"
    tail -n 1 "$work/out.txt" | python3 -c '
import json, sys
r = json.load(sys.stdin)
psnr = {g["name"]: "%.2f" % g["psnr_db"] for g in r["rungs"]}
video = sum(g["bytes"] for g in r["rungs"])
print("%-13s %-8s %12d %12d %8s %8s %8s %8s %6.1f" % (sys.argv[1], r["rate_control"], r["total_bytes"], video,
      psnr.get("360p", "-"), psnr.get("480p", "-"), psnr.get("720p", "-"), psnr.get("1080p", "-"), r["transcode_s"]))
' "$kind"
  done
done
echo "(PSNR in dB per rung against the scaled source; bytes: every playlist and segment, no audio in these clips)"

