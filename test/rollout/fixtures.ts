import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { loadStageConfig, parseStageConfig, readStageFile, type StageConfig } from "../../src/config";
import type { Check } from "../../src/rollout/core/analysis/check";
import type { SideSample } from "../../src/rollout/core/sample/sample";

export const ROOT = join(__dirname, "..", "..");

const localStoreFiles = new Map<string, string>();

/**
 * The committed stage file with `rollout.store` a directory, in a temp directory of its own: the
 * committed stages keep their records in the stage's bucket, which the runner's tests on one
 * machine do not reach. Everything else is the committed file's. Written once per process.
 */
export function localStoreStageFile(stage: "prod" | "staging"): string {
  const known = localStoreFiles.get(stage);
  if (known) return known;
  const document = parseDocument(readFileSync(join(ROOT, `Pulumi.${stage}.yaml`), "utf8"));
  document.setIn(["config", "ion-deploy:rollout", "store"], { kind: "directory" });
  const file = join(mkdtempSync(join(tmpdir(), "ion-stage-")), `Pulumi.${stage}.yaml`);
  writeFileSync(file, document.toString());
  localStoreFiles.set(stage, file);
  return file;
}

export function prod(): StageConfig {
  return loadStageConfig("prod", localStoreStageFile("prod"));
}

export function staging(): StageConfig {
  return loadStageConfig("staging", localStoreStageFile("staging"));
}

/** The prod stage with `ion-deploy:` keys overridden (shallow per top-level key). */
export function prodWith(overrides: Record<string, unknown>): StageConfig {
  const raw = readStageFile("prod", localStoreStageFile("prod")).raw;
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
