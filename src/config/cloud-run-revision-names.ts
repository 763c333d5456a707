import { createHash } from "node:crypto";
import { TEMPLATE_HASH_LENGTH } from "./cloud-run-limits";
import { revisionTemplate } from "./cloud-run-template";
import type { Release, StageConfig } from "./schema";

/** JSON with keys sorted at every level, so equal templates always hash alike. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * The revision that runs `release` with the stage's current template: `<release.name>-<hash>`. Any
 * change Cloud Run would need a new revision for (image, cpu, memory, scaling, probes, port) gives a
 * new name, so a changed template never collides with an existing revision (409 "already exists").
 */
export function derivedRevisionName(cfg: StageConfig, release: Release): string {
  const hash = createHash("sha256")
    .update(canonicalJson(revisionTemplate(cfg, release)))
    .digest("hex")
    .slice(0, TEMPLATE_HASH_LENGTH);
  return `${release.name}-${hash}`;
}

/** No prior stable release: stable and canary are the same release, so only it is deployed. */
export function isFirstDeploy(cfg: StageConfig): boolean {
  const { stable, canary } = cfg.releases;
  return stable.name === canary.name && stable.image === canary.image && stable.revision === undefined;
}

export interface RevisionNames {
  stable: string;
  canary: string;
}

/**
 * The two revisions traffic points at in mode `revisions`. The canary is the template, so its name
 * is always derived. The stable revision already exists: `releases.stable.revision` when recorded,
 * otherwise the name it got as a canary under the same template settings; on a first deploy it is
 * the template itself.
 */
export function revisionNames(cfg: StageConfig): RevisionNames {
  const canary = derivedRevisionName(cfg, cfg.releases.canary);
  if (isFirstDeploy(cfg)) return { stable: canary, canary };
  return { stable: cfg.releases.stable.revision ?? derivedRevisionName(cfg, cfg.releases.stable), canary };
}
