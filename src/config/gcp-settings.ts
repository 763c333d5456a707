import { ConfigError } from "./errors";
import type { GcpStage } from "./gcp";
import type { StageConfig } from "./schema";

/** The `gcp` block of a gcp stage; the schema guarantees it, this narrows the type. */
export function gcpSettings(cfg: StageConfig): GcpStage {
  if (!cfg.gcp) {
    throw new ConfigError(`stage ${cfg.stage}`, [
      { path: "gcp", message: "platform is gcp but there is no gcp block; add ion-deploy:gcp" },
    ]);
  }
  return cfg.gcp;
}
