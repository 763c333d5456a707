import { describe, expect, it } from "vitest";
import { parseStageConfig, readStageFile } from "../../src/config";
import { formatStage, shortType, stageJson } from "../../src/synth/print";
import type { RenderedStage } from "../../src/synth/render";

const config = parseStageConfig("prod", readStageFile("prod").raw);

/** A hand-made render: children registered before their parents, a secret input and output. */
const rendered: RenderedStage = {
  config,
  resources: [
    { type: "pulumi:pulumi:Stack", name: "ion-deploy-prod", custom: false, inputs: {}, secretPaths: [] },
    {
      type: "gcp:monitoring/notificationChannel:NotificationChannel",
      name: "slack",
      custom: true,
      inputs: { type: "slack", labels: { channel_name: "#x" }, sensitiveLabels: { authToken: "xoxb-real" } },
      secretPaths: ["sensitiveLabels"],
      parent: { type: "ion-deploy:gcp:NotificationChannels", name: "notify" },
    },
    {
      type: "ion-deploy:gcp:NotificationChannels",
      name: "notify",
      custom: false,
      inputs: {},
      secretPaths: [],
      parent: { type: "ion-deploy:gcp:GcpStage", name: "prod" },
    },
    { type: "ion-deploy:gcp:GcpStage", name: "prod", custom: false, inputs: {}, secretPaths: [] },
  ],
  outputs: { canaryUrl: "https://canary---x", token: "also-real" },
  secretOutputs: ["token"],
};

describe("synth printing", () => {
  it("lists parents before children and leaves out the stack root", () => {
    expect(stageJson(rendered).resources.map((resource) => resource.name)).toEqual([
      "prod",
      "notify",
      "slack",
    ]);
    const rows = formatStage(rendered).split("\n");
    const row = (name: string) => rows.findIndex((line) => new RegExp(`\\s${name}\\s`).test(line));
    expect(row("prod")).toBeLessThan(row("notify"));
    expect(row("notify")).toBeLessThan(row("slack"));
    expect(formatStage(rendered)).not.toContain("ion-deploy-prod");
  });

  it("never prints a secret input or output, in either form", () => {
    for (const text of [JSON.stringify(stageJson(rendered)), formatStage(rendered)]) {
      expect(text).not.toContain("xoxb-real");
      expect(text).not.toContain("also-real");
      expect(text).toContain("[secret]");
    }
    expect(stageJson(rendered).outputs).toEqual({ canaryUrl: "https://canary---x", token: "[secret]" });
  });

  it("shortens provider type tokens and keeps component types", () => {
    expect(shortType("gcp:cloudrunv2/service:Service")).toBe("gcp:cloudrunv2.Service");
    expect(shortType("ion-deploy:gcp:GcpStage")).toBe("ion-deploy:gcp:GcpStage");
  });
});
