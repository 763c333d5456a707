/**
 * The stage's edges pull in the cloud SDKs (Pulumi Automation API, AWS SDK, Google auth), about
 * 3 s to load: commands that reach the platform load them on first use, so `plan`, `status`,
 * `explain` and `backtest` stay quick. (A dynamic `import()` would go through Node's ESM loader,
 * which cannot load the TypeScript sources under `tsx/cjs`.)
 */
export function loadEdges(): typeof import("./from-config") {
  return require("./from-config");
}

/** What `ion-rollout trace` needs for a CloudWatch stage: the stack's dimensions, the recorder, the client. */
export function loadCloudWatchRecording(): Pick<typeof import("./from-config"), "awsDimensions"> &
  Pick<typeof import("./metrics/cloudwatch-range"), "recordCloudWatchTrace"> &
  Pick<typeof import("@aws-sdk/client-cloudwatch"), "CloudWatchClient"> {
  return {
    awsDimensions: loadEdges().awsDimensions,
    recordCloudWatchTrace: require("./metrics/cloudwatch-range").recordCloudWatchTrace,
    CloudWatchClient: require("@aws-sdk/client-cloudwatch").CloudWatchClient,
  };
}
