import { CanaryTagConfigSchema, FirstStepConfigSchema, NoSettingsSchema } from "./config";
import { type IonPolicy, resourcePolicy } from "./define";
import { num, record, records, text } from "./readers/props";
import { readSplits, rolloutInProgress, SPLIT_TYPES, type SplitTarget } from "./readers/splits";
import { forStage, stageOf } from "./readers/stage";
import { TYPES } from "./types";

/** Traffic policies: the split a stack declares is whole, and a canary only grows under the runner. */

function listTargets(targets: SplitTarget[]): string {
  return targets.map((target) => `${target.target}=${target.weight}`).join(", ");
}

export const trafficWeightsSumTo100 = resourcePolicy(
  {
    name: "traffic-weights-sum-to-100",
    description:
      "Cloud Run traffic percentages, URL-map weighted backends and ALB forward weights add up to 100, so each weight reads as the share of traffic it gets.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
      "Set only ion-deploy:canaryWeight (0-100); the stacks give the stable side the rest. Do not hand-edit weights.",
    settings: NoSettingsSchema,
  },
  SPLIT_TYPES,
  (props, _settings, report, args) => {
    for (const split of readSplits(args.type, props, "canary")) {
      const sum = split.targets.reduce((total, target) => total + target.weight, 0);
      if (sum === 100) continue;
      report(
        `${split.where} ${split.unit === "percent" ? "percentages" : "weights"} add up to ${sum}, not 100 (${listTargets(split.targets)}), so the split is not what the config says. Fix: let the stack derive the split from ion-deploy:canaryWeight (stable = 100 - canary) instead of setting weights by hand.`,
      );
    }
  },
);

export const canaryWithinFirstStepUnlessRollingOut = resourcePolicy(
  {
    name: "canary-within-first-step-unless-rolling-out",
    description:
      "Outside a rollout the canary gets at most the plan's first step (prod 5%, staging 10%) or all of the traffic once promoted; larger shares only while ion-rollout drives the release (ion-rollout=in-progress label, tag or URL-map description, set from ion-deploy:rolloutInProgress).",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps:
      "Let `ion-rollout` step the weight (it sets ion-deploy:rolloutInProgress while it runs), or set ion-deploy:canaryWeight back to the first step.",
    settings: FirstStepConfigSchema,
  },
  SPLIT_TYPES,
  (props, settings, report, args) => {
    if (rolloutInProgress(props)) return;
    const { stage, value: firstStep } = forStage(
      settings.stages,
      stageOf(props, args.stackTags, args.provider),
      settings.defaultStage,
    );
    if (firstStep === undefined) return;
    for (const split of readSplits(args.type, props, settings.canaryTag)) {
      const sum = split.targets.reduce((total, target) => total + target.weight, 0);
      if (sum <= 0) continue;
      const share = (target: SplitTarget) => (target.weight / sum) * 100;
      const marked = split.targets.filter((target) => target.canary);
      // Unmarked splits (blue/green named after releases): every side but one largest is a candidate.
      const largest = split.targets.reduce((top, target) => (share(target) > share(top) ? target : top));
      const candidates = marked.length > 0 ? marked : split.targets.filter((target) => target !== largest);
      for (const canary of candidates) {
        const percent = share(canary);
        if (percent <= firstStep || percent >= 100) continue;
        report(
          `${split.where} sends ${+percent.toFixed(2)}% of traffic to the canary ${canary.target}, past stage ${stage}'s first rollout step (${firstStep}%), and no rollout is in progress (ion-rollout is not "in-progress"). Fix: run \`ion-rollout\` to step the release (it sets ion-deploy:rolloutInProgress while it runs), or set ion-deploy:canaryWeight to at most ${firstStep} in Pulumi.${stage}.yaml.`,
        );
      }
    }
  },
);

export const canaryRevisionTagged = resourcePolicy(
  {
    name: "canary-revision-tagged",
    description:
      "A Cloud Run service that splits traffic between revisions gives the canary revision the `canary` tag, so it has its own URL to check before it takes traffic.",
    enforcementLevel: "mandatory",
    severity: "medium",
    remediationSteps:
      "Declare the canary revision's traffic entry with tag: canary (src/gcp/traffic.ts revisionTraffics does).",
    settings: CanaryTagConfigSchema,
  },
  TYPES.cloudRunService,
  (props, settings, report) => {
    const revisions = records(props.traffics).filter(
      (entry) => entry.type !== "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST",
    );
    if (records(props.traffics).length < 2 || revisions.length === 0) return;
    if (revisions.some((entry) => text(entry.tag) === settings.canaryTag)) return;
    const template = text(record(props.template).revision);
    const untagged = revisions
      .filter((entry) => text(entry.tag) === undefined)
      .map((entry) => `${String(entry.revision)} (${num(entry.percent) ?? 0}%)`);
    report(
      `splits traffic between revisions but none is tagged "${settings.canaryTag}"${untagged.length ? ` (untagged: ${untagged.join(", ")})` : ""}, so the canary${template ? ` ${template}` : ""} has no URL of its own to probe before it takes traffic. Fix: give the canary revision's traffic entry tag: "${settings.canaryTag}".`,
    );
  },
);

export const trafficPolicies: IonPolicy[] = [
  trafficWeightsSumTo100,
  canaryWithinFirstStepUnlessRollingOut,
  canaryRevisionTagged,
];
