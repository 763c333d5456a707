import { parseCountEvidence } from "./evidence/state";

/**
 * Why a parsed state document is not a usable `RolloutState`, or undefined when it is. Pure: the
 * store reads the file, this judges what it holds, so a half-written or foreign document is never
 * acted on field by field.
 */
export function stateShapeProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not a JSON object";
  const doc = value as Record<string, unknown>;
  if (doc.version !== 1) return `state version ${JSON.stringify(doc.version)} (this runner reads version 1)`;
  const missing = REQUIRED.filter(([key, type]) => typeof doc[key] !== type).map(([key]) => key);
  const core = doc.core as Record<string, unknown> | undefined;
  const step = core?.step as Record<string, unknown> | undefined;
  const releases = doc.releases as Record<string, unknown> | undefined;
  if (typeof core?.seq !== "number" || typeof core?.analysis !== "object") missing.push("core");
  if (typeof step?.index !== "number" || typeof step?.startedAt !== "number") missing.push("core.step");
  if (typeof releases?.stable !== "object" || typeof releases?.canary !== "object") missing.push("releases");
  if (missing.length > 0) return `missing or malformed ${missing.join(", ")}`;
  return evidenceProblem(core?.analysis);
}

/** Stored sequential evidence is judged on as read: its counts must be whole and consistent. */
function evidenceProblem(analysis: unknown): string | undefined {
  const evidence = (analysis as { evidence?: Record<string, unknown> } | null)?.evidence;
  if (evidence === undefined) return undefined;
  try {
    parseCountEvidence(evidence?.errorRate);
    parseCountEvidence(evidence?.slow);
    return undefined;
  } catch (error) {
    return `malformed core.analysis.evidence (${(error as Error).message})`;
  }
}

const REQUIRED: [string, string][] = [
  ["stage", "string"],
  ["id", "string"],
  ["status", "string"],
  ["startedAt", "number"],
  ["updatedAt", "number"],
  ["weight", "number"],
  ["core", "object"],
  ["releases", "object"],
];
