import type { Release, StageConfig } from "../../config";
import type { RolloutState } from "../core/state";

const DNS_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function isReleaseName(name: string): boolean {
  return DNS_LABEL.test(name);
}

/**
 * The releases of a new rollout. The new stable is what serves today: the last rollout's canary
 * if it was promoted, its stable if it ended otherwise (a revert serves the stable it reverted
 * to, whatever the config file still names); with no rollout recorded, the config's canary when
 * it holds 100%, else the config's stable. The canary's name, unless
 * given: blue/green stages alternate the colour; others derive it from the image tag or digest
 * (`ion-api:1.5.1` -> `ion-api-v1-5-1`).
 */
export function nextReleases(
  cfg: StageConfig,
  image: string,
  name: string | undefined,
  previous: RolloutState | undefined,
): { stable: Release; canary: Release } {
  const stable = previous
    ? previous.status === "promoted"
      ? previous.releases.canary
      : previous.releases.stable
    : cfg.canaryWeight === 100
      ? cfg.releases.canary
      : cfg.releases.stable;
  return { stable, canary: { image, name: name ?? deriveName(cfg.service.name, image, stable.name) } };
}

export function deriveName(service: string, image: string, stableName: string): string {
  for (const [a, b] of [
    ["blue", "green"],
    ["green", "blue"],
  ] as const) {
    if (stableName.endsWith(a)) return `${stableName.slice(0, stableName.length - a.length)}${b}`;
  }
  const digest = image.split("@")[1];
  const tag = digest
    ? digest.replace(/^sha256:/, "").slice(0, 12)
    : (image.split("/").pop()?.split(":")[1] ?? "latest");
  const label = `${service}-${digest ? "" : "v"}${tag}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .slice(0, 63)
    .replace(/-+$/, "");
  return /^[a-z]/.test(label) ? label : `r-${label}`.slice(0, 63);
}
