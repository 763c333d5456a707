import { join } from "node:path";
import { loadStageConfig, parseStageConfig, readStageFile, type StageConfig } from "../../src/config";
import type { Check } from "../../src/rollout/core/analysis/check";
import type { SideSample } from "../../src/rollout/core/sample/sample";

export const ROOT = join(__dirname, "..", "..");

export function prod(): StageConfig {
  return loadStageConfig("prod", join(ROOT, "Pulumi.prod.yaml"));
}

export function staging(): StageConfig {
  return loadStageConfig("staging", join(ROOT, "Pulumi.staging.yaml"));
}

/** The prod stage with `ion-deploy:` keys overridden (shallow per top-level key). */
export function prodWith(overrides: Record<string, unknown>): StageConfig {
  const raw = readStageFile("prod", join(ROOT, "Pulumi.prod.yaml")).raw;
  const merged: Record<string, unknown> = { ...raw };
  for (const [key, value] of Object.entries(overrides)) {
    const base = raw[key];
    merged[key] =
      typeof value === "object" &&
      value !== null &&
      !Array.isArray(value) &&
      typeof base === "object" &&
      base !== null
        ? { ...(base as object), ...(value as object) }
        : value;
  }
  return parseStageConfig("prod", merged);
}

export function side(overrides: Partial<SideSample> = {}): SideSample {
  return { requests: 1000, errors: 0, p95LatencyMs: 120, memory: 0.42, cpu: 0.3, ...overrides };
}

export function check(at: number, canary: Partial<SideSample> = {}, stable: Partial<SideSample> = {}): Check {
  return { at, canary: side(canary), stable: side({ requests: 19_000, errors: 10, ...stable }) };
}

/** A stage judged by the runbook's literal rule (`rollout.analysis: consecutive`). */
export function consecutive(cfg: StageConfig): StageConfig {
  return { ...cfg, rollout: { ...cfg.rollout, analysis: "consecutive" } };
}

export function consecutiveProd(): StageConfig {
  return consecutive(prod());
}

export function consecutiveStaging(): StageConfig {
  return consecutive(staging());
}

export function consecutiveProdWith(overrides: Record<string, unknown>): StageConfig {
  return consecutive(prodWith(overrides));
}
