#!/usr/bin/env bash
# clang-format check (or --fix), the co_await temporaries check, the Redis
# only-in-state check and clang-tidy over the project's sources.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files --cached --others --exclude-standard 'src/*.cc' 'src/*.h' 'tests/*.cc' 'tests/*.h' 'bench/*.cc')
if [ "${1:-}" = "--fix" ]; then
  clang-format -i "${files[@]}"
  exit 0
fi
clang-format --dry-run --Werror "${files[@]}"
python3 scripts/check_co_await.py --self-test src tests bench
python3 scripts/check_redis_in_state.py --self-test src tests bench
# clang-tidy needs one compile command per source: a configured tree without
# batches (cmake/Unity.cmake), with its generated headers.
cmake -S . -B build/lint -G Ninja -DTCODER_UNITY=OFF -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build/lint --target tcoder_state_lua >/dev/null
mapfile -t sources < <(printf '%s\n' "${files[@]}" | grep '\.cc$' | grep -v '_test\.cc$')
clang-tidy -p build/lint --quiet "${sources[@]}"
