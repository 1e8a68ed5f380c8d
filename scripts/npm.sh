#!/usr/bin/env bash
# Installs the npm packages of the project's JavaScript parts (`npm ci`), only
# when a package's lock file is newer than its installed node_modules.
#   scripts/npm.sh DIR...
set -euo pipefail
cd "$(dirname "$0")/.."
for dir in "$@"; do
  stamp="$dir/node_modules/.package-lock.json"
  if [ ! -f "$stamp" ] || [ "$dir/package-lock.json" -nt "$stamp" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
