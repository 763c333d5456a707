import { isDeepStrictEqual } from "node:util";
import type { Stack, UpResult } from "@pulumi/pulumi/automation";
import {
  CANARY_READINESS_OUTPUT,
  type CanaryReadiness,
  CONFIG_NAMESPACE,
  type Release,
  type StageConfig,
} from "../../../config";
import { abortableSleep } from "../sleep";
import type { DeployedReleases, TrafficChange, TrafficDriver } from "../types";
import { backoffDelays } from "./backoff";
import { decodeConfigValue, rolloutConfigJson, rolloutConfigValues } from "./pulumi-config";
import { TRAFFIC_RESOURCE_TYPES, trafficTargetUrns } from "./pulumi-targets";
import type { TrafficApi } from "./traffic-api";

/** The part of the Automation API's `Stack` the driver uses; tests pass a small fake. */
export type RolloutStack = Pick<
  Stack,
  "name" | "setAllConfigJson" | "getAllConfig" | "up" | "exportStack" | "outputs"
>;

export interface PulumiTrafficDriverOptions {
  /** Stack name; the stage's config file is `Pulumi.<stage>.yaml` in `workDir`. */
  stage: string;
  /** The Pulumi project directory (where `Pulumi.yaml` is). */
  workDir: string;
  cfg: StageConfig;
  /** Streams the `pulumi up` output, line by line as the CLI prints it. */
  onOutput?: (text: string) => void;
  /** Defaults to `LocalWorkspace.selectStack({ stackName: stage, workDir })`, which needs the pulumi CLI. */
  selectStack?: () => Promise<RolloutStack>;
  /** Attempts when another update holds the stack, and the backoff between them. */
  concurrentUpdate?: { attempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  /** Injected for tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /**
   * The platform's traffic API for this stack (Cloud Run service, URL map, ALB listener): urgent
   * changes go through it first, and the served split is read from it. Absent: the stack only.
   */
  trafficApi?: (stack: RolloutStack) => Promise<TrafficApi>;
}

/**
 * The Automation API, required on first use: it costs ~1 s of CPU to load, and a CLI that builds a
 * stage's edges loads this module for every platform while a local stage (the rehearsal) never uses it.
 */
function automation(): typeof import("@pulumi/pulumi/automation") {
  return require("@pulumi/pulumi/automation");
}

function isConcurrentUpdate(error: unknown): boolean {
  return (
    (error as Error | undefined)?.name === "ConcurrentUpdateError" ||
    error instanceof automation().ConcurrentUpdateError
  );
}

/** The first lines of a CLI error: enough to say what failed without pages of diagnostics. */
function summarise(error: unknown, lines = 12): string {
  const text = error instanceof Error ? error.message : String(error);
  const kept = text.split("\n").filter((line) => line.trim() !== "");
  return kept.length > lines ? `${kept.slice(0, lines).join("\n")}\n  ...` : kept.join("\n");
}

/**
 * Drives the split through the stage's own Pulumi stack (Automation API): writes canaryWeight,
 * releases and rolloutInProgress into the stack config, then runs `pulumi up` targeted at the
 * traffic-bearing resources only, so a step can never touch databases or networks. A revert is
 * the same call with the last safe weight. Needs the `pulumi` CLI and access to the stack's backend.
 */
export class PulumiTrafficDriver implements TrafficDriver {
  readonly description: string;
  private stack?: Promise<RolloutStack>;
  private readonly attempts: number;
  private readonly delays: number[];
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private api?: Promise<TrafficApi>;
  /** The stack being brought into agreement after a fast change; later updates wait for it. */
  private agreement: Promise<void> = Promise.resolve();

  constructor(private readonly options: PulumiTrafficDriverOptions) {
    this.description = `Pulumi stack ${options.stage} (targeted up in ${options.workDir})`;
    const retry = options.concurrentUpdate ?? {};
    // 8 attempts wait out another update for ~4 min (5, 10, 20, 40, 60, 60, 60 s): Pulumi Cloud
    // answers a second update 409 at once rather than queueing it (docs/cloud-edges.md).
    this.attempts = Math.max(1, retry.attempts ?? 8);
    this.delays = backoffDelays(this.attempts, retry.baseDelayMs ?? 5_000, retry.maxDelayMs ?? 60_000);
    this.sleep = options.sleep ?? abortableSleep;
  }

  /**
   * An urgent change (a revert) goes to the platform's traffic API first and resolves once the
   * platform serves it; the stack is brought into agreement afterwards, in the background
   * (`settle`), so no Pulumi engine or other update's lock delays it. Any other change, or an
   * urgent one whose traffic API failed, is the targeted `up`.
   */
  async apply(change: TrafficChange, signal?: AbortSignal): Promise<void> {
    if (change.urgent && this.options.trafficApi) {
      const served = await this.serveDirectly(change, signal);
      if (served) {
        this.agreement = this.agreement.then(() => this.agree(change));
        return;
      }
    }
    await this.agreement;
    return this.update(change, signal);
  }

  /** Resolves once the stack agreement left running by a fast change has ended (never rejects). */
  settle(): Promise<void> {
    return this.agreement;
  }

  /** The change through the traffic API; false (said on the output) when that could not be done. */
  private async serveDirectly(change: TrafficChange, signal?: AbortSignal): Promise<boolean> {
    try {
      const api = await this.trafficApi();
      await api.setCanaryWeight(change.canaryWeight, signal);
      this.say(
        `canary ${change.canaryWeight}% served through the ${api.description}; stack ${this.options.stage} follows`,
      );
      return true;
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      this.say(
        `the traffic API could not set canary ${change.canaryWeight}% (${summarise(error, 3)}); falling back to the targeted pulumi up`,
      );
      return false;
    }
  }

  /**
   * The stack brought to the split already served: config first (no lock needed; it is this
   * checkout's stage file, which the CI commits back, so an `up` from a checkout without that commit
   * would restore the old weight), then the targeted `up`, waiting out another update's lock. A
   * failure is reported, never thrown: the split is already served.
   */
  private async agree(change: TrafficChange): Promise<void> {
    const { stage } = this.options;
    try {
      await this.update(change);
      this.say(`stack ${stage} agrees: canary ${change.canaryWeight}% in its config and state`);
    } catch (error) {
      this.say(
        `the platform serves canary ${change.canaryWeight}%, but stack ${stage} did not take it: ${summarise(error, 4)}\n` +
          `Its config holds ${change.canaryWeight}% if it was written; run \`pulumi up --stack ${stage}\` once the stack is free so its state agrees.`,
      );
    }
  }

  private trafficApi(): Promise<TrafficApi> {
    const build = this.options.trafficApi;
    if (!build) return Promise.reject(new Error("no traffic API configured"));
    this.api ??= this.selected()
      .then(build)
      .catch((error: unknown) => {
        this.api = undefined; // the next call tries again
        throw error;
      });
    return this.api;
  }

  private say(line: string): void {
    this.options.onOutput?.(`${line}\n`);
  }

  /** The stack's releases and weights set to `change`, then a targeted `up` of its traffic resources. */
  private async update(change: TrafficChange, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const { stage } = this.options;
    const stack = await this.selected();
    const targets = trafficTargetUrns(await stack.exportStack());
    if (targets.length === 0) {
      throw new Error(
        `stack ${stage} has no traffic-bearing resources (${TRAFFIC_RESOURCE_TYPES.join(", ")}); ` +
          `it has never been deployed or is not a ${this.options.cfg.platform} stage. Run \`pulumi up --stack ${stage}\` once before a rollout.`,
      );
    }
    signal?.throwIfAborted();
    await stack.setAllConfigJson(rolloutConfigJson(change));
    await this.verifyConfig(stack, change);

    const result = await this.upWithRetries(stack, targets, change, signal);
    if (result.summary.result !== "succeeded") {
      throw new Error(`pulumi up for stack ${stage} ended with result "${result.summary.result}"`);
    }
  }

  /** `up`, waiting out another update's lock with a bounded backoff; any other failure rejects. */
  private async upWithRetries(
    stack: RolloutStack,
    targets: string[],
    change: TrafficChange,
    signal?: AbortSignal,
  ): Promise<UpResult> {
    const { stage } = this.options;
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      try {
        return await stack.up({
          target: targets,
          // The fast path, a console edit or drift changed what the state last saw: without a
          // refresh the provider diffs against it (a URL map's stale fingerprint is a 412; a weight
          // the state already holds is no change, so drift would stay served).
          refresh: true,
          onOutput: this.options.onOutput,
          signal,
          color: "never",
          message: `ion-rollout ${stage}: canary ${change.canaryWeight}% (${change.reason})`,
        });
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (!isConcurrentUpdate(error)) {
          throw new Error(
            `pulumi up (targeted at ${targets.length} traffic resources) failed for stack ${stage}:\n${summarise(error)}`,
            { cause: error },
          );
        }
        const delay = this.delays[attempt - 1];
        if (delay === undefined) {
          throw new Error(
            `stack ${stage} is locked by another update: still locked after ${this.attempts} attempts over ` +
              `${Math.round(this.delays.reduce((a, b) => a + b, 0) / 1000)} s. If no update is running, a crashed ` +
              `one left the lock: check, then \`pulumi cancel --stack ${stage}\` (Pulumi Cloud) or remove the ` +
              "lock file (self-managed backend).",
            { cause: error },
          );
        }
        this.options.onOutput?.(
          `stack ${stage} is locked by another update (attempt ${attempt}/${this.attempts}); retrying in ${Math.round(delay / 1000)} s\n`,
        );
        await this.sleep(delay, signal);
      }
    }
  }

  /**
   * The canary release at 0%: the same targeted `up` as a step, with the new releases and weight 0
   * (Cloud Run: a new revision tagged `canary` with no traffic, or the canary service at LB weight
   * 0; AWS: the idle colour's task definition, the update waiting for ECS steady state).
   */
  deployCanary(releases: DeployedReleases, signal?: AbortSignal): Promise<void> {
    return this.update(
      {
        canaryWeight: 0,
        releases,
        rolloutInProgress: true,
        reason: `deploy ${releases.canary.name} at 0%`,
      },
      signal,
    );
  }

  /**
   * Reads the stack output `canaryReadiness` the `up` left: what the platform reported for the
   * canary once the update returned (Cloud Run's revision condition, ECS's task definition at steady
   * state). Rejects when it names another release or says not ready.
   */
  async waitReady(release: Release, signal?: AbortSignal): Promise<string> {
    signal?.throwIfAborted();
    const stack = await this.selected();
    const output = (await stack.outputs())[CANARY_READINESS_OUTPUT]?.value as
      | Partial<CanaryReadiness>
      | undefined;
    const { stage } = this.options;
    if (typeof output?.ready !== "boolean" || typeof output.release !== "string") {
      throw new Error(
        `stack ${stage} has no \`${CANARY_READINESS_OUTPUT}\` output: run \`pulumi up --stack ${stage}\` once with this version of ion-deploy before a rollout`,
      );
    }
    if (output.release !== release.name) {
      throw new Error(
        `stack ${stage} reports readiness of ${output.release}, not ${release.name}: ${output.detail}`,
      );
    }
    if (!output.ready) throw new Error(`${release.name} is not ready: ${output.detail}`);
    return output.detail ?? `${release.name} ready`;
  }

  /**
   * The canary share the platform serves, from its traffic API (so a split changed outside the
   * stack is seen); without one, or when it cannot answer, the stack's own view.
   */
  async currentCanaryWeight(): Promise<number | undefined> {
    if (this.options.trafficApi) {
      try {
        return await (await this.trafficApi()).servedCanaryWeight();
      } catch (error) {
        this.say(
          `the traffic API could not read the served split (${summarise(error, 3)}); reading stack ${this.options.stage}`,
        );
      }
    }
    return this.stackCanaryWeight();
  }

  /** The served canary share from the stack output `weights`, else the configured canaryWeight. */
  private async stackCanaryWeight(): Promise<number | undefined> {
    const stack = await this.selected();
    const served = (await stack.outputs()).weights?.value as { canary?: unknown } | undefined;
    if (typeof served?.canary === "number") return served.canary;
    const configured = (await stack.getAllConfig())[`${CONFIG_NAMESPACE}:canaryWeight`];
    if (!configured) return undefined;
    const value = decodeConfigValue(configured.value);
    return typeof value === "number" ? value : undefined;
  }

  private selected(): Promise<RolloutStack> {
    if (!this.stack) {
      const { stage, workDir } = this.options;
      const select =
        this.options.selectStack ??
        (() => automation().LocalWorkspace.selectStack({ stackName: stage, workDir }));
      this.stack = select().catch((error: unknown) => {
        this.stack = undefined; // let the next call try again
        throw new Error(
          `could not select Pulumi stack ${stage} in ${workDir}: ${summarise(error, 4)}\n` +
            "The Pulumi driver needs the `pulumi` CLI on PATH (`pulumi version` must run) and a logged-in backend.",
          { cause: error },
        );
      });
    }
    return this.stack;
  }

  /** Reads the config back: a CLI that dropped or re-typed a value must not let `up` run with it. */
  private async verifyConfig(stack: RolloutStack, change: TrafficChange): Promise<void> {
    const stored = await stack.getAllConfig();
    const wrong: string[] = [];
    for (const [key, expected] of Object.entries(rolloutConfigValues(change))) {
      const entry = stored[key];
      const actual = entry === undefined ? undefined : decodeConfigValue(entry.value);
      if (!isDeepStrictEqual(actual, expected)) {
        wrong.push(`${key}: wanted ${JSON.stringify(expected)}, stack has ${JSON.stringify(actual)}`);
      }
    }
    if (wrong.length > 0) {
      throw new Error(
        `stack ${this.options.stage} config did not take the rollout values:\n  ${wrong.join("\n  ")}`,
      );
    }
  }
}
