#!/usr/bin/env bash
# `npm test`, three jobs at once: the type check and Biome, the vitest project "in-process" (one
# reused worker: stack and policy renders, the pure core, the controller with fakes) and the
# project "processes" (a fresh process per file: CLIs, promtool, the real rehearsal environment).
# The real-environment files leave a core idle while they wait on bake timers; the other two jobs
# fill it, where vitest would run its two projects one after the other. The processes' output
# streams; the other two jobs' output follows it. Fails if any job fails; a signal stops all three.
set -uo pipefail
cd "$(dirname "$0")/.."
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

npm run --silent check >"$logs/check" 2>&1 &
check=$!
node_modules/.bin/vitest run --project in-process >"$logs/in-process" 2>&1 &
inproc=$!
node_modules/.bin/vitest run --project processes &
processes=$!
# Background jobs of a script ignore SIGINT, and a stopped vitest leaves its workers running: on
# Ctrl-C or a CI cancel, stop the whole process group (the jobs, vitest's workers, what they started).
trap 'trap - INT TERM HUP; kill -TERM 0 2>/dev/null; exit 130' INT TERM HUP

wait "$processes"
processed=$?
wait "$inproc"
inprocessed=$?
wait "$check"
checked=$?

echo "--- vitest project in-process (exit $inprocessed)"
cat "$logs/in-process"
echo "--- npm run check: tsc and Biome (exit $checked)"
cat "$logs/check"
[ "$processed" -eq 0 ] && [ "$inprocessed" -eq 0 ] && [ "$checked" -eq 0 ]
