#!/usr/bin/env bash
# CI's rollout step (.github/workflows/rollout.yml): `start` or `resume` the stage's rollout with
# JSON events to reports/events.ndjson, under a deadline short of GitHub-hosted runners' 6 h job
# limit. At the deadline the runner gets SIGINT and, run with --on-interrupt handover, holds the
# weight it serves, records it, and leaves its lease to the next job's `resume` of this rollout for
# rollout.lease.handoverSeconds (reconcile leaves it alone meanwhile and reverts it if no job came).
# A job cancelled by hand gets SIGINT too and hands over the same way. Writes
# `code` (ion-rollout's exit: 0 promoted, 2 reverted, 3 held, 1 error) and `deadline` (true when
# the deadline stopped it) to $GITHUB_OUTPUT. Always exits 0: the workflow's last step judges.
set -uo pipefail
mode=${1:?usage: ci-rollout.sh start|resume}
deadline_minutes=${ION_ROLLOUT_DEADLINE_MINUTES:-340}
mkdir -p reports
args=("$mode" "$STAGE" --json --on-interrupt handover)
if [ "$mode" = start ] && [ -z "${IMAGE:-}" ]; then
  # A release gives only its tag: the stage's registry is its config's canary image without the tag.
  repository=$(node -e 'const { parse } = require("yaml");
    const file = require("node:fs").readFileSync(`Pulumi.${process.env.STAGE}.yaml`, "utf8");
    const image = parse(file).config["ion-deploy:releases"].canary.image;
    process.stdout.write(image.replace(/[:@][^/]*$/, ""));')
  IMAGE="$repository:${TAG:?a release tag or an image}"
  export IMAGE
fi
if [ "$mode" = start ]; then args+=(--image "$IMAGE"); fi
# --foreground: the SIGINT goes to npx alone, which forwards it to ion-rollout (npm's run-script
# signal manager); without it timeout(1) signals its whole process group, so a `pulumi up` under the
# runner got SIGINT twice (that one and the Automation API's) and Pulumi terminated the update
# instead of cancelling it, which can leave it marked in progress.
timeout --foreground --signal=INT "${deadline_minutes}m" npx ion-rollout "${args[@]}" | tee -a reports/events.ndjson
code=${PIPESTATUS[0]}
deadline=false
if [ "$code" -eq 124 ]; then
  # timeout(1) reports 124 when it sent the signal; the state says what the runner did then.
  deadline=true
  state=$(npx ion-rollout status "$STAGE" --json)
  code=$?
  # `status` exits 0 for a promoted rollout and for one still recorded as running: only the first is done.
  if [ "$code" -eq 0 ] && ! grep -q '"status":"promoted"' <<<"$state"; then code=3; fi
fi
echo "code=$code" >>"$GITHUB_OUTPUT"
echo "deadline=$deadline" >>"$GITHUB_OUTPUT"
