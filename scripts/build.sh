#!/usr/bin/env bash
# Configures (once) and builds one of tcoder's build trees:
#   scripts/build.sh release   -> build/tcoder (optimized; what run.sh and benchmarks use)
#   scripts/build.sh asan      -> build/asan/  (ASan+UBSan, with every test)
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-release}
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  # Paths relative to the checkout, so another clone of it reuses the cache.
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
fi
case "$kind" in
  release)
    dir=build
    [ -f $dir/build.ninja ] || cmake -S . -B $dir -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" -DTCODER_TESTS=OFF "${launcher[@]}" >/dev/null
    cmake --build $dir --target tcoder
    ;;
  asan)
    dir=build/asan
    [ -f $dir/build.ninja ] || cmake -S . -B $dir -G Ninja -DCMAKE_BUILD_TYPE=Debug \
      -DCMAKE_CXX_FLAGS="-O1 -g1" -DTCODER_SANITIZE=ON "${launcher[@]}" >/dev/null
    cmake --build $dir
    ;;
  *) echo "usage: scripts/build.sh release|asan" >&2; exit 2 ;;
esac
