import { describe, expect, it } from "vitest";
import { parseStageConfig, readStageFile } from "../../src/config";
import { arnSuffix, awsDimensions, buildEdges } from "../../src/rollout/edges/from-config";
import { localStoreStageFile, prod, ROOT, staging } from "./fixtures";

describe("edges by platform", () => {
  it("gcp: Pulumi driver + Cloud Monitoring's PromQL endpoint with Google auth", async () => {
    const edges = await buildEdges(prod(), { env: {} });
    expect(edges.driver.constructor.name).toBe("PulumiTrafficDriver");
    expect(edges.metrics.constructor.name).toBe("PrometheusMetricsSource");
    // Cloud Monitoring's Prometheus-compatible API root for the project (docs/cloud-edges.md).
    expect(edges.metrics.description).toContain(
      "https://monitoring.googleapis.com/v1/projects/internal-ai-innovation/location/global/prometheus",
    );
    expect(edges.metrics.description).toContain("bearer");
    expect(edges.channels).toEqual([]);
  });

  it("local: the local driver (HAProxy + app processes) + the rehearsal's Prometheus", async () => {
    const raw = readStageFile("prod", localStoreStageFile("prod")).raw;
    const cfg = parseStageConfig("local", {
      ...raw,
      platform: "local",
      gcp: undefined,
      k8s: undefined,
      local: {},
    });
    const edges = await buildEdges(cfg, {
      env: { ION_SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/x" },
    });
    expect(edges.driver.constructor.name).toBe("LocalTrafficDriver");
    expect(edges.metrics.description).toContain("127.0.0.1:9590");
    expect(edges.channels).toContain("Slack");
  });

  it("aws: CloudWatch dimensions from the stack outputs", async () => {
    const dims = await awsDimensions(staging(), ROOT, {}, async () => ({
      targetGroupArns: {
        value: {
          stable: "arn:aws:elasticloadbalancing:ap-northeast-2:1:targetgroup/blue/abc",
          canary: "arn:aws:elasticloadbalancing:ap-northeast-2:1:targetgroup/green/def",
        },
      },
      ecsServiceNames: { value: { stable: "ion-api-blue", canary: "ion-api-green" } },
      ecsClusterName: { value: "ion" },
      albArnSuffix: { value: "app/ion/123" },
    }));
    expect(dims.canary).toEqual({
      loadBalancer: "app/ion/123",
      targetGroup: "targetgroup/green/def",
      cluster: "ion",
      service: "ion-api-green",
    });
    expect(arnSuffix("arn:aws:elasticloadbalancing:r:1:loadbalancer/app/ion/123")).toBe("app/ion/123");
    await expect(awsDimensions(staging(), ROOT, {}, async () => ({}))).rejects.toThrow(/albArnSuffix/);
  });
});
