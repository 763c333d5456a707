import { type Props, record, text } from "./props";

/** The label / tag the stacks put on their resources and the stack tag users may set instead. */
export const STAGE_KEY = "ion-stage";

/**
 * The stage a resource belongs to: its own `ion-stage` label or tag (GCP `labels`/`userLabels`,
 * AWS `tags`, Kubernetes `metadata.labels`), else the stack tag `ion-stage`, else undefined.
 */
export function stageOf(props: Props, stackTags: ReadonlyMap<string, string>): string | undefined {
  for (const labels of [props.userLabels, props.labels, props.tags, record(props.metadata).labels]) {
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
