#!/usr/bin/env bash
# CI (abort.yml): cancel the release and rollout runs in progress and wait until they have stopped,
# so no runner applies a weight after the abort's revert. A run still going after 10 minutes is
# reported and the abort goes ahead (the revert is what matters).
set -euo pipefail
runs=$(for workflow in release.yml rollout.yml resume.yml; do
  gh run list --workflow "$workflow" --status in_progress --json databaseId --jq '.[].databaseId'
done)
for run in $runs; do
  echo "cancelling run $run"
  gh run cancel "$run" || true
done
for run in $runs; do
  for _poll in $(seq 60); do
    [ "$(gh run view "$run" --json status --jq .status)" = completed ] && break
    sleep 10
  done
  [ "$(gh run view "$run" --json status --jq .status)" = completed ] || echo "::warning::run $run has not stopped after 10 minutes; aborting anyway"
done
