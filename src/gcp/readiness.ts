import type { CanaryReadiness } from "../config";

/** The parts of a `cloudrunv2.Service`'s outputs readiness is read from. */
export interface ServiceStatus {
  /** `projects/.../services/S/revisions/R` or `R`. */
  latestReadyRevision?: string;
  terminalConditions?: readonly { state?: string; message?: string; reason?: string }[];
  trafficStatuses?: readonly { tag?: string; revision?: string; percent?: number }[];
}

const SUCCEEDED = "CONDITION_SUCCEEDED";

const lastSegment = (name: string | undefined) => (name ?? "").split("/").pop() ?? "";

function condition(status: ServiceStatus): { ok: boolean; text: string } {
  const terminal = status.terminalConditions?.[0];
  const text = [terminal?.state ?? "no terminal condition", terminal?.reason, terminal?.message]
    .filter(Boolean)
    .join(": ");
  return { ok: terminal?.state === SUCCEEDED, text };
}

/**
 * Mode `revisions`: the canary revision is ready when Cloud Run reports it as the latest ready
 * revision, the service reconciled (terminal condition CONDITION_SUCCEEDED), and the `canary` tag
 * points at it, so its tagged URL reaches this revision and no other.
 */
export function revisionReadiness(release: string, revision: string, status: ServiceStatus): CanaryReadiness {
  const latest = lastSegment(status.latestReadyRevision);
  const tagged = status.trafficStatuses?.find((s) => s.tag === "canary");
  const reconciled = condition(status);
  const ready = latest === revision && reconciled.ok && lastSegment(tagged?.revision) === revision;
  return {
    release,
    ready,
    detail: `revision ${revision}: latest ready revision ${latest || "none"}, tag canary -> ${lastSegment(tagged?.revision) || "none"} at ${tagged?.percent ?? 0}%, ${reconciled.text}`,
  };
}

/** Mode `services`: the canary's own service is ready when it reconciled and has a ready revision. */
export function serviceReadiness(release: string, status: ServiceStatus): CanaryReadiness {
  const latest = lastSegment(status.latestReadyRevision);
  const reconciled = condition(status);
  return {
    release,
    ready: reconciled.ok && latest !== "",
    detail: `service ${release}: latest ready revision ${latest || "none"}, ${reconciled.text}`,
  };
}
