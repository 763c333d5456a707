#!/usr/bin/env bash
# CI: the job's verdict from ion-rollout's exit code ($CODE): 0 passes, anything else fails the job
# with one annotation saying what happened and what to run next.
case "${CODE:-}" in
  0) echo "promoted: ${IMAGE:-the canary} serves 100% of $STAGE" ;;
  2) echo "::error::reverted: ${IMAGE:-the canary} breached a roll-back threshold on $STAGE; canary weight is back to 0"; exit 2 ;;
  3) echo "::error::held: $STAGE stopped at a partial weight without a verdict; run the resume, promote or abort workflow"; exit 3 ;;
  "") echo "::error::the rollout did not run"; exit 1 ;;
  *) echo "::error::ion-rollout failed (exit $CODE); see the log and the report artifact"; exit 1 ;;
esac
