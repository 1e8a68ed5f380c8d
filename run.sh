#!/usr/bin/env bash
# One command on a fresh machine: installs what is missing, builds, starts the
# embedded stack if it is not running, transcodes VIDEO (or a generated sample)
# and prints the playable URLs and the web page's address.
#   ./run.sh [VIDEO]
set -euo pipefail
cd "$(dirname "$0")"

scripts/deps.sh
scripts/npm.sh web          # hls.js for the web page
scripts/build.sh release

video=${1:-}
if [ -z "$video" ]; then
  video=.tcoder/sample.mp4
  mkdir -p .tcoder
  [ -f "$video" ] || ffmpeg -v error -y -f lavfi -i testsrc2=size=1280x720:rate=30:duration=10 \
    -f lavfi -i sine=frequency=440:duration=10 -c:v libx264 -pix_fmt yuv420p -c:a aac -shortest "$video"
fi
[ -f "$video" ] || { echo "run.sh: no such file: $video" >&2; exit 1; }

build/tcoder up --detach
build/tcoder transcode "$video"
