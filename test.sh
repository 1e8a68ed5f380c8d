#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (unit, integration,
# end-to-end) under AddressSanitizer and UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")"

scripts/deps.sh
scripts/npm.sh web clients/typescript tests/browser clients/edge-middleware tests/s3rver
scripts/build.sh release
scripts/build.sh asan

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
status=0
ctest --test-dir build/asan --output-on-failure -j2 --timeout 900 2>&1 | tee "$logs/ctest" || status=1

# The TypeScript SDK: its build and its tests (node's test runner).
(cd clients/typescript && npm test) 2>&1 | tee "$logs/sdk" || status=1

# The edge middleware (the /premium/ rule for CDN scripts): its build and its tests (node's test runner).
(cd clients/edge-middleware && npm test) 2>&1 | tee "$logs/edge-mw" || status=1

# One closing line over every runner.
read -r c_failed c_total < <(sed -n 's/.*tests passed, \([0-9]*\) tests failed out of \([0-9]*\).*/\1 \2/p' "$logs/ctest" | tail -1)
n_pass=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$logs/sdk" | tail -1)
n_fail=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$logs/sdk" | tail -1)
m_pass=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$logs/edge-mw" | tail -1)
m_fail=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$logs/edge-mw" | tail -1)
c_failed=${c_failed:-0} c_total=${c_total:-0} n_pass=${n_pass:-0} n_fail=${n_fail:-0} m_pass=${m_pass:-0} m_fail=${m_fail:-0}
passed=$((c_total - c_failed + n_pass + m_pass))
failed=$((c_failed + n_fail + m_fail))
[ "$failed" -eq 0 ] || status=1
echo "test.sh: $passed passed, $failed failed"
exit $status
