import { loadStageConfig, parseStageConfig, readStageFile, type StageConfig } from "../../src/config";

type Raw = Record<string, unknown>;

/** A committed stage file with some keys replaced. */
export function stageWith(stage: "prod" | "staging", overrides: Raw = {}): StageConfig {
  return parseStageConfig(stage, { ...readStageFile(stage).raw, ...overrides });
}

/**
 * The stage shapes the rules must hold for: the committed prod (consecutive checks) and staging
 * (sustained seconds) files, prod's blue/green services mode (sides keyed by service_name) and a
 * 30 s check interval.
 */
export function stageVariants(): { name: string; config: StageConfig }[] {
  const prod = readStageFile("prod").raw;
  return [
    { name: "prod", config: loadStageConfig("prod") },
    { name: "staging", config: loadStageConfig("staging") },
    {
      name: "prod, mode services",
      config: stageWith("prod", {
        gcp: { ...(prod.gcp as Raw), mode: "services" },
        releases: {
          stable: { image: "registry/ion-api:1.4.0", name: "ion-api" },
          canary: { image: "registry/ion-api:1.5.0", name: "ion-api-canary" },
        },
      }),
    },
    {
      name: "prod, 30 s checks",
      config: stageWith("prod", { rollout: { ...(prod.rollout as Raw), checkIntervalSeconds: 30 } }),
    },
  ];
}
