import { describe, expect, it } from "vitest";
import { allowedFlows, peerName } from "../../src/aws/traffic-rules";
import { stagingWith } from "./fixtures";

const flowText = (flow: ReturnType<typeof allowedFlows>[number]) =>
  `${peerName(flow.from)} -> ${peerName(flow.to)} ${flow.port}`;

describe("monitoring security group flows point the right way", () => {
  it("Prometheus scrapes the app on its service port (where /metrics is served), nothing else on the app", () => {
    const flows = allowedFlows(stagingWith()).map(flowText);
    expect(flows).toContain("monitoring -> app 8000");
    expect(flows).not.toContain("monitoring -> app 9090");
    expect(flows).not.toContain("monitoring -> app 3000");
    expect(flows.filter((flow) => flow.endsWith(" 9090") || flow.endsWith(" 3000"))).toEqual([
      "alb -> monitoring 9090",
      "alb -> monitoring 3000",
    ]);
  });

  it("operator CIDRs from config reach Prometheus and Grafana on the monitoring group only", () => {
    const config = stagingWith(
      {},
      { monitoring: { operatorCidrs: ["10.20.0.0/16"], fromLoadBalancer: false } },
    );
    const flows = allowedFlows(config).map(flowText);
    expect(flows.filter((flow) => flow.includes("monitoring"))).toEqual([
      "monitoring -> app 8000",
      "10.20.0.0/16 -> monitoring 9090",
      "10.20.0.0/16 -> monitoring 3000",
    ]);
  });
});
