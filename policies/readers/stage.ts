import type { PolicyProviderResource } from "@pulumi/policy";
import { type Props, record, text } from "./props";

/** The label / tag the stacks put on their resources and the stack tag users may set instead. */
export const STAGE_KEY = "ion-stage";

/** Provider inputs arrive JSON-encoded (`defaultTags: "{\"tags\":{...}}"`); objects pass through. */
function decoded(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

/** Tags / labels a provider adds to every resource it manages (AWS `defaultTags`, GCP `defaultLabels`). */
function providerLabels(provider: PolicyProviderResource | undefined): Props {
  if (!provider) return {};
  return {
    ...record(decoded(provider.props.defaultLabels)),
    ...record(record(decoded(provider.props.defaultTags)).tags),
  };
}

/**
 * The stage a resource belongs to: its own `ion-stage` label or tag (GCP `labels`/`userLabels`,
 * AWS `tags`, Kubernetes `metadata.labels`), else its provider's default tags or labels, else the
 * stack tag `ion-stage`, else undefined.
 */
export function stageOf(
  props: Props,
  stackTags: ReadonlyMap<string, string>,
  provider?: PolicyProviderResource,
): string | undefined {
  for (const labels of [
    props.userLabels,
    props.labels,
    props.tags,
    record(props.metadata).labels,
    providerLabels(provider),
  ]) {
    const stage = text(record(labels)[STAGE_KEY]);
    if (stage) return stage;
  }
  return stackTags.get(STAGE_KEY);
}

/** The entry for a stage in a per-stage setting, falling back to the configured default stage. */
export function forStage<T>(
  stages: Record<string, T>,
  stage: string | undefined,
  defaultStage: string,
): { stage: string; value: T | undefined; fallback: boolean } {
  if (stage !== undefined && stage in stages) return { stage, value: stages[stage], fallback: false };
  return { stage: defaultStage, value: stages[defaultStage], fallback: true };
}
