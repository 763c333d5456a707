import { describe, expect, it } from "vitest";
import { blocksOverlap, containsBlock, parseIpv4Cidr } from "../../src/config/cidr";
import { type RenderedStage, renderStage } from "../../src/synth/render";
import { byId, defined, inputs, ofType, one, stagingWith, TYPES } from "./fixtures";

function block(text: string) {
  const parsed = parseIpv4Cidr(text);
  if (typeof parsed === "string") throw new Error(parsed);
  return parsed;
}

/** The tier of a security group: its resource name is `<stage>-sg-<tier>`. */
function tierOf(rendered: RenderedStage, groupId: unknown): string {
  return byId(rendered, groupId, TYPES.securityGroup).name.replace(/^staging-sg-/, "");
}

/** Every rule as `direction tier peer port`, peer a tier or a CIDR. */
function flows(rendered: RenderedStage): string[] {
  const describe = (direction: string, rule: ReturnType<typeof inputs>) => {
    expect(rule.ipProtocol).toBe("tcp");
    expect(rule.fromPort).toBe(rule.toPort);
    const peer = rule.referencedSecurityGroupId
      ? tierOf(rendered, rule.referencedSecurityGroupId)
      : (rule.cidrIpv4 ?? rule.cidrIpv6 ?? rule.prefixListId);
    return `${direction} ${tierOf(rendered, rule.securityGroupId)} ${peer} ${rule.fromPort}`;
  };
  return [
    ...ofType(rendered, TYPES.ingress).map((rule) => describe("in", inputs(rule))),
    ...ofType(rendered, TYPES.egress).map((rule) => describe("out", inputs(rule))),
  ].sort();
}

describe("AWS staging network", async () => {
  const config = stagingWith();
  const vpcConfig = config.aws?.vpc;
  const rendered = await renderStage(config);

  it("the VPC and subnets have exactly the configured blocks, inside the VPC and disjoint", () => {
    expect(inputs(one(rendered, TYPES.vpc)).cidrBlock).toBe(vpcConfig?.cidr);
    const subnets = ofType(rendered, TYPES.subnet).map(inputs);
    const byTier = (tier: string) =>
      subnets.filter((subnet) => subnet.tags.tier === tier).map((s) => s.cidrBlock);
    expect(byTier("public").sort()).toEqual([...(vpcConfig?.publicSubnets ?? [])].sort());
    expect(byTier("private").sort()).toEqual([...(vpcConfig?.privateSubnets ?? [])].sort());
    const blocks = subnets.map((subnet) => block(subnet.cidrBlock));
    for (const [index, subnet] of blocks.entries()) {
      expect(containsBlock(block(vpcConfig?.cidr ?? ""), subnet)).toBe(true);
      for (const other of blocks.slice(index + 1)) expect(blocksOverlap(subnet, other)).toBe(false);
    }
    for (const subnet of subnets) expect(subnet.mapPublicIpOnLaunch).toBe(false);
  });

  it("one NAT gateway per zone in its public subnet; each private subnet leaves through its own zone's NAT", () => {
    const nats = ofType(rendered, TYPES.natGateway);
    expect(nats).toHaveLength(vpcConfig?.publicSubnets.length ?? 0);
    const zones = new Set<string>();
    for (const association of ofType(rendered, TYPES.routeTableAssociation).map(inputs)) {
      const subnet = inputs(byId(rendered, association.subnetId, TYPES.subnet));
      const routes = inputs(byId(rendered, association.routeTableId, TYPES.routeTable)).routes;
      expect(routes).toHaveLength(1);
      expect(routes[0].cidrBlock).toBe("0.0.0.0/0");
      if (subnet.tags.tier === "public") {
        expect(routes[0].gatewayId).toMatch(/-id$/);
        continue;
      }
      const nat = inputs(byId(rendered, routes[0].natGatewayId, TYPES.natGateway));
      const natSubnet = inputs(byId(rendered, nat.subnetId, TYPES.subnet));
      expect(natSubnet.tags.tier).toBe("public");
      expect(natSubnet.availabilityZone).toBe(subnet.availabilityZone);
      zones.add(subnet.availabilityZone);
    }
    expect(zones.size).toBe(nats.length);
  });

  it("flow logs capture all traffic of the VPC", () => {
    const flowLog = inputs(one(rendered, TYPES.flowLog));
    expect(flowLog).toMatchObject({ trafficType: "ALL", logDestinationType: "cloud-watch-logs" });
    expect(inputs(byId(rendered, flowLog.vpcId, TYPES.vpc)).cidrBlock).toBe(vpcConfig?.cidr);
    expect(flowLog.maxAggregationInterval).toBe(60);
  });

  it("the security group rules are exactly the staging runbook's allowed flows", () => {
    const port = config.service.port;
    expect(port).toBe(8000);
    const allowed = [
      "in alb 0.0.0.0/0 80",
      "in alb 0.0.0.0/0 443",
      "in alb 203.0.113.0/24 8443", // the canary test listener, operators only
      `in app alb ${port}`,
      `out alb app ${port}`,
      "in documentDb app 27017",
      "out app documentDb 27017",
      "in redis app 6379",
      "out app redis 6379",
      `in app monitoring ${port}`,
      `out monitoring app ${port}`,
      ...defined(config.aws).monitoring.ports.flatMap((p) => [
        `in monitoring alb ${p}`,
        `out alb monitoring ${p}`,
      ]),
      "out app 0.0.0.0/0 443",
    ];
    expect(config.aws?.monitoring.ports.sort()).toEqual([3000, 9090]);
    expect(flows(rendered)).toEqual(allowed.sort());
  });

  it("no SSH, no open ingress but to the ALB, no inline rules, a rule-less default group", () => {
    for (const rule of [...ofType(rendered, TYPES.ingress), ...ofType(rendered, TYPES.egress)].map(inputs)) {
      expect(rule.fromPort <= 22 && rule.toPort >= 22).toBe(false);
    }
    for (const rule of ofType(rendered, TYPES.ingress).map(inputs)) {
      if (rule.cidrIpv4 === "0.0.0.0/0" || rule.cidrIpv6 === "::/0") {
        expect(tierOf(rendered, rule.securityGroupId)).toBe("alb");
      }
    }
    for (const group of ofType(rendered, TYPES.securityGroup).map(inputs)) {
      expect(group.ingress).toBeUndefined();
      expect(group.egress).toBeUndefined();
    }
    expect(inputs(one(rendered, TYPES.defaultSecurityGroup))).toMatchObject({ ingress: [], egress: [] });
  });

  it("a variant: narrowed ALB ingress (no rule names 0.0.0.0/0), pinned zones, three zone pairs", async () => {
    const zones = ["ap-northeast-2a", "ap-northeast-2c", "ap-northeast-2d"];
    const narrowed = await renderStage(
      stagingWith(
        {},
        {
          alb: { ingressCidrs: ["203.0.113.0/24"] },
          vpc: {
            publicSubnets: ["10.1.1.0/24", "10.1.2.0/24", "10.1.3.0/24"],
            privateSubnets: ["10.1.10.0/24", "10.1.11.0/24", "10.1.12.0/24"],
            availabilityZones: zones,
          },
        },
      ),
    );
    const subnets = ofType(narrowed, TYPES.subnet).map(inputs);
    for (const [index, zone] of zones.entries()) {
      expect(
        subnets.filter((subnet) => subnet.availabilityZone === zone).map((subnet) => subnet.cidrBlock),
      ).toEqual([`10.1.${index + 1}.0/24`, `10.1.${index + 10}.0/24`]);
    }
    expect(ofType(narrowed, TYPES.natGateway)).toHaveLength(3);
    const ingress = flows(narrowed).filter((flow) => flow.startsWith("in alb"));
    expect(ingress).toEqual([
      "in alb 203.0.113.0/24 443",
      "in alb 203.0.113.0/24 80",
      "in alb 203.0.113.0/24 8443",
    ]);
    expect(flows(narrowed).filter((flow) => flow.startsWith("in ") && flow.includes("0.0.0.0/0"))).toEqual(
      [],
    );
  });

  it("the provider is pinned to the configured region", () => {
    expect(inputs(one(rendered, TYPES.provider)).region).toBe("ap-northeast-2");
  });
});
