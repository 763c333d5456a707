import type { Release } from "../../config";
import type { MetricsSample, SampleContext } from "../core/sample/sample";

/**
 * The runner's edges. The pure core (plan, analysis, decide) never touches these; the controller
 * calls them, and each platform (Pulumi stack, local HAProxy) implements them.
 */

export interface TrafficChange {
  /** Percent of traffic for the canary, 0-100; the rest goes to stable. */
  canaryWeight: number;
  releases: { stable: Release; canary: Release };
  /** True while a rollout steps the weight (guardrails allow weights past the first step). */
  rolloutInProgress: boolean;
  /**
   * True once the old side is retired after the retention period (`ion-rollout retire`): the
   * platform no longer declares the stable side. Only with canaryWeight 100; absent means false.
   */
  oldSideRetired?: boolean;
  /** Why, for logs: "step 2/5", "revert: error rate NO-GO", ... */
  reason: string;
  /**
   * A revert: the driver serves it by the fastest path the platform has (its traffic API) and
   * brings its own records (a stack's config and state) into agreement afterwards. Absent = false.
   */
  urgent?: boolean;
}

export interface TrafficDriver {
  readonly description: string;
  /** Applies the split and resolves once the platform serves it; rejects if it could not. */
  apply(change: TrafficChange, signal?: AbortSignal): Promise<void>;
  /** The canary share the platform serves now, when it can tell. */
  currentCanaryWeight(): Promise<number | undefined>;
  /**
   * Resolves once work a driver left running after a change was already served (a stack brought
   * into agreement after an urgent change) has ended; never rejects. Absent: nothing is left running.
   */
  settle?(): Promise<void>;
  /**
   * Deploys `releases.canary` beside stable with no traffic (weight 0): a new Cloud Run revision
   * tagged `canary`, the canary service behind the balancer, the idle ECS colour, a local app.
   * Resolves once the platform accepted it; the same releases again is a no-op.
   */
  deployCanary(releases: DeployedReleases, signal?: AbortSignal): Promise<void>;
  /**
   * Resolves once the platform reports the deployed canary ready to serve (revision Ready, steady
   * state with healthy targets, the local app answering), with a line saying what it read; rejects
   * when it is not, so the pre-traffic gate only ever asks the release that would take traffic.
   */
  waitReady(release: Release, signal?: AbortSignal): Promise<string>;
}

export interface DeployedReleases {
  stable: Release;
  canary: Release;
}

export interface MetricsSource {
  readonly description: string;
  sample(signal?: AbortSignal, context?: SampleContext): Promise<MetricsSample>;
}

export type RolloutEventKind =
  | "start"
  | "step"
  | "hold"
  | "revert"
  | "promote"
  | "finish"
  | "abort"
  | "error";

export interface RolloutEvent {
  kind: RolloutEventKind;
  stage: string;
  canaryWeight: number;
  message: string;
  at: number;
}

export interface Notifier {
  notify(event: RolloutEvent): Promise<void>;
}
