import { TYPES } from "../types";
import { num, type Props, record, records, text } from "./props";

/** One weighted target of a traffic split. */
export interface SplitTarget {
  /** How messages name it: revision, backend service or target group reference. */
  target: string;
  weight: number;
  /** Marked as the canary: Cloud Run traffic tag, or a backend / target group named after it. */
  canary: boolean;
  tag?: string;
}

/** One traffic split a resource declares: a Cloud Run traffic block, URL map route, listener action. */
export interface TrafficSplit {
  where: string;
  /** `percent` (Cloud Run) or relative `weight` (URL map, ALB); the policies want percentages. */
  unit: "percent" | "weight";
  targets: SplitTarget[];
}

/** Label / tag / description marker the stacks set from `rolloutInProgress` (src/config/stage-labels.ts). */
export const ROLLOUT_KEY = "ion-rollout";
export const ROLLOUT_IN_PROGRESS = "in-progress";

/**
 * Whether the resource says a rollout is in progress: the `ion-rollout` label (Cloud Run) or tag
 * (ALB listener), or `ion-rollout=in-progress` in a URL map's description (URL maps have no labels).
 */
export function rolloutInProgress(props: Props): boolean {
  for (const labels of [props.labels, props.tags]) {
    if (text(record(labels)[ROLLOUT_KEY]) === ROLLOUT_IN_PROGRESS) return true;
  }
  return (text(props.description) ?? "").includes(`${ROLLOUT_KEY}=${ROLLOUT_IN_PROGRESS}`);
}

/**
 * Optional tag / label naming the canary side on a split whose targets are named after releases
 * (the ALB's blue/green target groups): `ion-canary: green`.
 */
export const CANARY_KEY = "ion-canary";

function canarySide(props: Props): string | undefined {
  return text(record(props.tags)[CANARY_KEY]) ?? text(record(props.labels)[CANARY_KEY]);
}

/** Whether a backend / target group reference names the canary: by the canary tag or the named side. */
function namesCanary(target: string, canaryTag: string, side: string | undefined): boolean {
  return (
    target.includes(canaryTag) ||
    (side !== undefined && new RegExp(`\\b${side.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\b`).test(target))
  );
}

function cloudRun(props: Props, canaryTag: string): TrafficSplit[] {
  const traffics = records(props.traffics);
  if (traffics.length === 0) return [];
  return [
    {
      where: "traffics",
      unit: "percent",
      targets: traffics.map((entry) => ({
        target:
          text(entry.revision) ??
          (entry.type === "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST" ? "latest revision" : "unnamed revision"),
        weight: num(entry.percent) ?? 0,
        canary: text(entry.tag) === canaryTag,
        tag: text(entry.tag),
      })),
    },
  ];
}

function weightedBackends(
  where: string,
  routeAction: unknown,
  canaryTag: string,
  side?: string,
): TrafficSplit[] {
  const weighted = records(record(routeAction).weightedBackendServices);
  if (weighted.length === 0) return [];
  return [
    {
      where,
      unit: "weight",
      targets: weighted.map((entry) => {
        const target = text(entry.backendService) ?? "unknown backend";
        return { target, weight: num(entry.weight) ?? 0, canary: namesCanary(target, canaryTag, side) };
      }),
    },
  ];
}

function urlMap(props: Props, canaryTag: string): TrafficSplit[] {
  const splits = weightedBackends("defaultRouteAction", props.defaultRouteAction, canaryTag);
  records(props.pathMatchers).forEach((matcher, index) => {
    const name = text(matcher.name) ?? String(index);
    splits.push(
      ...weightedBackends(`pathMatcher ${name} defaultRouteAction`, matcher.defaultRouteAction, canaryTag),
    );
    records(matcher.routeRules).forEach((rule, ruleIndex) => {
      splits.push(
        ...weightedBackends(`pathMatcher ${name} routeRule ${ruleIndex + 1}`, rule.routeAction, canaryTag),
      );
    });
  });
  return splits;
}

function forwardActions(where: string, actions: unknown, canaryTag: string, side?: string): TrafficSplit[] {
  return records(actions).flatMap((action, index): TrafficSplit[] => {
    const groups = records(record(action.forward).targetGroups);
    if (groups.length === 0) return [];
    return [
      {
        where: `${where} ${index + 1} (forward)`,
        unit: "weight",
        targets: groups.map((group) => {
          const target = text(group.arn) ?? "unknown target group";
          return { target, weight: num(group.weight) ?? 0, canary: namesCanary(target, canaryTag, side) };
        }),
      },
    ];
  });
}

/** Every weighted split a resource declares; [] for resources that split nothing. */
export function readSplits(type: string, props: Props, canaryTag: string): TrafficSplit[] {
  if (type === TYPES.cloudRunService) return cloudRun(props, canaryTag);
  if (type === TYPES.urlMap) return urlMap(props, canaryTag);
  if ((TYPES.lbListener as readonly string[]).includes(type))
    return forwardActions("defaultActions", props.defaultActions, canaryTag, canarySide(props));
  if ((TYPES.lbListenerRule as readonly string[]).includes(type))
    return forwardActions("actions", props.actions, canaryTag, canarySide(props));
  return [];
}

export const SPLIT_TYPES: readonly string[] = [
  TYPES.cloudRunService,
  TYPES.urlMap,
  ...TYPES.lbListener,
  ...TYPES.lbListenerRule,
];
