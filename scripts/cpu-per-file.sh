#!/usr/bin/env bash
# CPU per test file: runs every test file alone (its own vitest, its own project's set-up) under
# /usr/bin/time and prints "user sys wall file" sorted by CPU (user + sys), then the total.
# Alone, each in-process file also pays the ~3 s of loading Pulumi's SDKs that the suite shares.
# Usage: bash scripts/cpu-per-file.sh [parallel jobs, default 1]
set -uo pipefail
cd "$(dirname "$0")/.."
jobs=${1:-1}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export out
find test policies -name '*.test.ts' -not -path '*/node_modules/*' | sort |
  xargs -P "$jobs" -I{} bash -c \
    'f={}; /usr/bin/time -f "%U %S %e $f" -o "$out/$(echo "$f" | tr / _).time" node_modules/.bin/vitest run "$f" >"$out/$(echo "$f" | tr / _).log" 2>&1 || echo "FAILED $f" >&2'
cat "$out"/*.time | awk '{ printf "%7.1f %6.1f %6.1f %7.1f  %s\n", $1 + $2, $1, $2, $3, $4 }' | sort -rn |
  awk 'BEGIN { print "    cpu   user    sys    wall  file" } { print; cpu += $1 } END { printf "%7.1f  total CPU (s)\n", cpu }'
