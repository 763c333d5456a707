/**
 * The durations `npm run bench:revert` charges to each step of a revert, with where each comes
 * from. A figure a provider or a project publishes is quoted; where none is published the figure
 * is an assumption, said so, and chosen on the slow side.
 */
export interface Figure {
  ms: number;
  source: string;
}

export const REVERT_LATENCY = {
  googleRoundTrip: {
    ms: 150,
    source: "assumed: one HTTPS request from a CI runner to a Google API (no published figure)",
  },
  awsRoundTrip: {
    ms: 150,
    source: "assumed: one HTTPS request from a CI runner to the ELBv2 API (no published figure)",
  },
  cloudRunTrafficOperation: {
    ms: 10_000,
    source:
      'assumed: Cloud Run\'s docs say only "traffic routing adjustments are not instantaneous" (cloud.google.com/run/docs/rollouts-rollbacks-traffic-migration); no figure is published',
  },
  urlMapOperation: {
    ms: 20_000,
    source: "assumed: a global urlMaps.patch operation until DONE (no published figure)",
  },
  pulumiCliCall: {
    ms: 1_500,
    source:
      'assumed per `pulumi` CLI call of the Automation API (stack export, config set-all, config read back): pulumi/pulumi#1150 reports "a delay of 5-10s" before a preview or update shows results; #3671 counts "400ms: Talking to api.pulumi.com" and "250ms: GetRequiredPlugins" per operation',
  },
  pulumiUpOverhead: {
    ms: 8_500,
    source:
      'pulumi/pulumi#3671: a no-change `pulumi up --yes` on a one-resource program averaged 8.48 s ("Of the ~8.5s about 7s of that is calls to `Configure`")',
  },
  programEvaluation: {
    ms: 3_000,
    source:
      "this repo (vitest.config.ts): loading @pulumi/pulumi and the providers costs ~3 s of CPU per process; the targeted up still runs the whole program",
  },
  otherUpdateHoldsLock: {
    ms: 120_000,
    source:
      "assumed: another `pulumi up` of the stack (a config change, a full deploy) holds its lock for 2 min",
  },
} satisfies Record<string, Figure>;

/** Seed 004 (the AWS staging runbook): "롤백 시간: < 30초" for the blue-green switch, "롤백 완료 시간: < 60초" for the rollback. */
export const SEED_004_BUDGETS = { switchMs: 30_000, rollbackMs: 60_000 } as const;
