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

describe("values written by `pulumi config set` read as the engine reads them", () => {
  it('a quoted "10" and "true" (plain `pulumi config set`) become a number and a boolean', async () => {
    const { mkdtempSync, readFileSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const file = join(mkdtempSync(join(tmpdir(), "ion-config-")), "Pulumi.prod.yaml");
    const committed = readFileSync("Pulumi.prod.yaml", "utf8");
    writeFileSync(
      file,
      committed.replace(
        "ion-deploy:canaryWeight: 5",
        'ion-deploy:canaryWeight: "10"\n  ion-deploy:rolloutInProgress: "true"',
      ),
    );
    const config = loadStageConfig("prod", file);
    expect(config.canaryWeight).toBe(10);
    expect(config.rolloutInProgress).toBe(true);
    expect(config.service.name).toBe("ion-api");
  });
});
