#!/usr/bin/env bash
# `npm test`, three jobs at once: the type check and Biome, the stack/policy renders (one reused
# worker: vitest project "renders"), and every other test file (project "processes"). The
# real-environment files leave a core idle while they wait on bake timers; the other two fill it.
# Vitest would run the two projects one after the other. The processes' output streams; the other
# two jobs' output follows it. Fails if any job fails.
set -uo pipefail
cd "$(dirname "$0")/.."
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

npm run --silent check >"$logs/check" 2>&1 &
check=$!
npx vitest run --project renders >"$logs/renders" 2>&1 &
renders=$!
npx vitest run --project processes
processes=$?
wait "$renders"
rendered=$?
wait "$check"
checked=$?

echo "--- vitest project renders (exit $rendered)"
cat "$logs/renders"
echo "--- npm run check: tsc and Biome (exit $checked)"
cat "$logs/check"
[ "$processes" -eq 0 ] && [ "$rendered" -eq 0 ] && [ "$checked" -eq 0 ]
