import type { Release } from "../src/config";
import type { Faults } from "./app/faults";

/**
 * What the rehearsal plays: a good release promoted to 100%, then a bad one that starts failing
 * when the runner puts it on `faultAtWeight` percent of traffic, then one whose canary fails its
 * pre-traffic gate and never takes any. Timings are the stage file's
 * (Pulumi.rehearsal.yaml); this is only the story.
 */
export interface Scenario {
  /** Rollout 1: the stage file's canary, healthy all the way. */
  good: Release;
  /** Rollout 2: a new revision over the promoted one. */
  bad: Release;
  /** The canary weight (one of the plan's steps) at which the bad release's fault is switched on. */
  faultAtWeight: number;
  fault: Partial<Faults>;
  /**
   * Rollout 3: a release whose image fails the pre-traffic gate (the stage file's `local.images`
   * starts it with a /health answering 503); refused before any traffic.
   */
  refused: Release;
}

export function defaultScenario(good: Release): Scenario {
  return {
    good,
    bad: { image: "local/ion-api:1.6.0", name: "ion-api-v1-6-0" },
    faultAtWeight: 25,
    // One request in five fails: far over the 1% limit, so the breach is plain at any step.
    fault: { errorRate: 0.2 },
    refused: { image: "local/ion-api:1.7.0", name: "ion-api-v1-7-0" },
  };
}
