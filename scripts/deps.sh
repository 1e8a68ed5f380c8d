#!/usr/bin/env bash
# Installs the Debian packages tcoder builds with, runs and tests with, when
# any is missing. Quick and silent when everything is already there.
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ pkg-config ccache
  libboost-dev libhiredis-dev libcurl4-openssl-dev libssl-dev libjwt-dev
  nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev libgtest-dev libgmock-dev
  libpugixml-dev zlib1g-dev
  # run
  redis-server redis-tools ffmpeg curl ca-certificates
  # test and benchmark peers
  awscli wrk nginx-light nodejs npm chromium
  # tooling
  clang-format clang-tidy python3
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# npm may come with the machine's own Node.js rather than Debian's package.
if command -v node >/dev/null && command -v npm >/dev/null; then
  filtered=()
  for p in "${missing[@]}"; do [[ $p == nodejs || $p == npm ]] || filtered+=("$p"); done
  missing=("${filtered[@]}")
fi
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
