#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx), so there is no build step to forget.
require("tsx/cjs");
require("../src/cli/ion-deploy.ts");
