#!/usr/bin/env bash
# Configures and builds one of tcoder's build trees:
#   scripts/build.sh release   -> build/tcoder (optimized; what run.sh and benchmarks use)
#   scripts/build.sh asan      -> build/asan/  (ASan+UBSan, with every test)
# Both compile in batches (cmake/Unity.cmake) for fast clean builds; set
# TCODER_UNITY=OFF for one object per source (quicker rebuilds of one file).
# A tree is configured again whenever its settings change.
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-release}
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  # Paths relative to the checkout, so another clone of it reuses the cache.
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
fi
common=(-G Ninja -DTCODER_UNITY="${TCODER_UNITY:-ON}" "${launcher[@]}")
case "$kind" in
  release)
    dir=build target=(--target tcoder)
    settings=(-DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" -DTCODER_TESTS=OFF)
    ;;
  asan)
    # -g1: line tables for sanitizer reports, at a fraction of full debug info's cost.
    dir=build/asan target=()
    settings=(-DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS= -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" -DTCODER_SANITIZE=ON)
    ;;
  *) echo "usage: scripts/build.sh release|asan" >&2; exit 2 ;;
esac
stamp=$dir/.tcoder-settings
wanted="${settings[*]} ${common[*]}"
if [ ! -f $dir/build.ninja ] || [ "$(cat $stamp 2>/dev/null)" != "$wanted" ]; then
  cmake -S . -B $dir "${settings[@]}" "${common[@]}" >/dev/null
  mkdir -p $dir && printf '%s' "$wanted" >$stamp
fi
cmake --build $dir "${target[@]}"
