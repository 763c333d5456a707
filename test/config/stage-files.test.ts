import { describe, expect, it } from "vitest";
import { loadStageConfig } from "../../src/config";

describe("the committed stage files parse", () => {
  it("Pulumi.prod.yaml: GCP prod in internal-ai-innovation / us-central1 at a 5% canary", () => {
    const config = loadStageConfig("prod");
    expect(config).toMatchObject({ stage: "prod", profile: "prod", platform: "gcp", canaryWeight: 5 });
    expect(config.gcp).toMatchObject({ project: "internal-ai-innovation", region: "us-central1" });
    expect(config.service.healthPath).toBe("/health");
  });

  it("Pulumi.staging.yaml: AWS staging in ap-northeast-2", () => {
    const config = loadStageConfig("staging");
    expect(config).toMatchObject({ stage: "staging", profile: "staging", platform: "aws" });
    expect(config.aws?.region).toBe("ap-northeast-2");
  });

  it("a missing stage file names the file and the --config way out", () => {
    expect(() => loadStageConfig("no-such-stage")).toThrow(/Pulumi\.no-such-stage\.yaml.*--config FILE/);
  });
});
