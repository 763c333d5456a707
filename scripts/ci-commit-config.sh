#!/usr/bin/env bash
# CI: commit the Pulumi.<stage>.yaml the runner left behind (promoted, reverted or held, the file
# now says what is deployed) and push it to the default branch, rebasing if it moved meanwhile.
set -euo pipefail
file="Pulumi.$STAGE.yaml"
if git diff --quiet -- "$file"; then
  echo "$file unchanged"
  exit 0
fi
case "$CODE" in
  0) outcome=promoted ;;
  2) outcome=reverted ;;
  3) outcome=held ;;
  *) outcome="stopped (exit $CODE)" ;;
esac
git config user.name "github-actions[bot]"
git config user.email "41898282+github-actions[bot]@users.noreply.github.com"
git add -- "$file"
git commit -m "ion-rollout: $STAGE $outcome ${IMAGE:-}" -m "Run: $GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID"
for _attempt in 1 2 3; do
  if git push origin "HEAD:$DEFAULT_BRANCH"; then exit 0; fi
  git pull --rebase origin "$DEFAULT_BRANCH"
done
echo "::error::could not push $file to $DEFAULT_BRANCH; the report artifact has the final state"
exit 1
