import type * as pulumi from "@pulumi/pulumi";
import type { StageConfig } from "./config";
import { GcpStage } from "./gcp/stage";

export type StageOutputs = Record<string, pulumi.Input<unknown>>;

/** Declares one stage's resources from its validated config; the platform is a config value. */
export function declareStage(cfg: StageConfig): StageOutputs {
  switch (cfg.platform) {
    case "gcp":
      return { ...new GcpStage(cfg.stage, { config: cfg }).outputs };
    case "aws":
      return {};
    case "local":
      throw new Error(
        `stage ${cfg.stage} is the local rehearsal (platform: local); it has no cloud resources — run \`npm run rehearse\``,
      );
  }
}
