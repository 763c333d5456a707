#!/usr/bin/env node
// Runs the bundle (`npm run build:cli`) when it is newer than every source, else the TypeScript
// sources through tsx: an edit is never shadowed by a stale build, and there is no step to forget.
const bundle = require("./fresh-bundle.cjs").freshBundle("ion-rollout");
if (bundle) {
  require(bundle);
} else {
  require("tsx/cjs");
  require("../src/cli/ion-rollout.ts");
}
