import { ConfigError, type StageConfig } from "../config";
import { MAX_REVISION_NAME, TEMPLATE_HASH_LENGTH } from "../config/cloud-run-limits";

/**
 * Checks only the GCP APIs make: a Cloud Run revision name starts with `<service>-` and is at most
 * 63 characters, or the first deploy of a revision fails after the plan looked fine. The derived
 * name adds `-<hash>` to the release name.
 */
export function checkRevisionNames(cfg: StageConfig): void {
  const prefix = `${cfg.service.name}-`;
  const maxRelease = MAX_REVISION_NAME - TEMPLATE_HASH_LENGTH - 1;
  const issues: { path: string; message: string }[] = [];
  for (const side of ["stable", "canary"] as const) {
    const { name, revision } = cfg.releases[side];
    if (!name.startsWith(prefix)) {
      issues.push({
        path: `releases.${side}.name`,
        message: `in gcp mode revisions a revision name must start with the service name, "${prefix}"; got "${name}"`,
      });
    }
    if (name.length > maxRelease) {
      issues.push({
        path: `releases.${side}.name`,
        message: `in gcp mode revisions at most ${maxRelease} characters (the revision name adds -<${TEMPLATE_HASH_LENGTH}-char hash>, Cloud Run allows ${MAX_REVISION_NAME}); got ${name.length}`,
      });
    }
    if (revision !== undefined && !revision.startsWith(prefix)) {
      issues.push({
        path: `releases.${side}.revision`,
        message: `a Cloud Run revision name starts with "${prefix}"; got "${revision}"`,
      });
    }
  }
  if (issues.length > 0) throw new ConfigError(`stage ${cfg.stage}`, issues);
}

/** Cloud Run caps service names at 49 characters. */
const MAX_SERVICE_NAME = 49;

/** Mode `services` runs each release as its own Cloud Run service: two distinct, valid names. */
export function checkServiceNames(cfg: StageConfig): void {
  const { stable, canary } = cfg.releases;
  const issues = (["stable", "canary"] as const)
    .filter((side) => cfg.releases[side].name.length > MAX_SERVICE_NAME)
    .map((side) => ({
      path: `releases.${side}.name`,
      message: `in gcp mode services this is a Cloud Run service name, at most ${MAX_SERVICE_NAME} characters; got ${cfg.releases[side].name.length}`,
    }));
  if (stable.name === canary.name) {
    issues.push({
      path: "releases.canary.name",
      message: `in gcp mode services stable and canary are two Cloud Run services and need different names; both are "${stable.name}"`,
    });
  }
  if (issues.length > 0) throw new ConfigError(`stage ${cfg.stage}`, issues);
}
