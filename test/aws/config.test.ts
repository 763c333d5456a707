import { describe, expect, it } from "vitest";
import { ecrRepositoryArn } from "../../src/aws/ecr-images";
import { checkAwsStage, unhealthyThreshold } from "../../src/aws/settings";
import { parseStageConfig } from "../../src/config";
import { blocksOverlap, parseIpv4Cidr } from "../../src/config/cidr";
import { configIssues, stagingRaw, stagingWith } from "./fixtures";

const CERT = "arn:aws:acm:ap-northeast-2:123456789012:certificate/11111111-2222-4333-8444-555555555555";

function paths(thunk: () => unknown): string[] {
  return configIssues(thunk).map((issue) => issue.path);
}

describe("AWS stage config: the staging runbook's defaults", () => {
  it("a minimal aws block (region and certificate) gets the runbook's network, sizes and counts", () => {
    const config = parseStageConfig("staging", {
      ...stagingRaw(),
      aws: { region: "ap-northeast-2", alb: { certificateArn: CERT } },
    });
    expect(config.aws?.vpc).toMatchObject({
      cidr: "10.1.0.0/16",
      publicSubnets: ["10.1.1.0/24", "10.1.2.0/24"],
      privateSubnets: ["10.1.10.0/24", "10.1.11.0/24"],
    });
    expect(config.aws?.documentDb).toMatchObject({ instances: 3, instanceClass: "db.t3.medium" });
    expect(config.aws?.redis).toMatchObject({ nodes: 2, nodeType: "cache.t3.micro" });
    expect(config.aws?.ecs.desiredCount).toBe(3);
    expect(config.aws?.alb).toMatchObject({
      tlsPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
      healthCheck: { intervalSeconds: 30 },
    });
    expect(config.aws?.monitoring.ports).toEqual([9090, 3000]);
    expect(config.aws?.highAvailability).toBe(true);
  });

  it("the committed staging file is valid and passes the AWS-only checks", () => {
    const config = stagingWith();
    expect(() => checkAwsStage(config)).not.toThrow();
    expect(unhealthyThreshold(config)).toBe(config.thresholds.health?.rollbackAfterFailures);
  });
});

describe("AWS stage config: invalid values fail at their key path", () => {
  it("overlapping subnets name the later one and the block it overlaps", () => {
    const issues = configIssues(() =>
      stagingWith({}, { vpc: { privateSubnets: ["10.1.10.0/24", "10.1.1.128/25"] } }),
    );
    expect(issues).toEqual([
      { path: "aws.vpc.privateSubnets.1", message: expect.stringMatching(/overlaps 10\.1\.1\.0\/24/) },
    ]);
  });

  it("a subnet outside the VPC block", () => {
    expect(paths(() => stagingWith({}, { vpc: { publicSubnets: ["10.1.1.0/24", "10.2.2.0/24"] } }))).toEqual([
      "aws.vpc.publicSubnets.1",
    ]);
  });

  it("a block with host bits set, or octets past 255", () => {
    const issues = configIssues(() =>
      stagingWith({}, { vpc: { publicSubnets: ["10.1.1.7/24", "10.1.300.0/24"] } }),
    );
    expect(issues.map((issue) => issue.path)).toEqual(["aws.vpc.publicSubnets.0", "aws.vpc.publicSubnets.1"]);
    expect(issues[0]?.message).toMatch(/starts at 10\.1\.1\.0\/24/);
  });

  it("unequal public and private subnet counts (one NAT per zone needs pairs)", () => {
    expect(
      paths(() =>
        stagingWith({}, { vpc: { privateSubnets: ["10.1.10.0/24", "10.1.11.0/24", "10.1.12.0/24"] } }),
      ),
    ).toEqual(["aws.vpc.privateSubnets"]);
  });

  it("canary weight 120", () => {
    expect(paths(() => stagingWith({ canaryWeight: 120, rolloutInProgress: true }))).toEqual([
      "canaryWeight",
    ]);
  });

  it("one DocumentDB instance when HA is demanded, accepted when it is not", () => {
    const issues = configIssues(() => stagingWith({}, { documentDb: { instances: 1 } }));
    expect(issues).toEqual([
      { path: "aws.documentDb.instances", message: expect.stringMatching(/highAvailability/) },
    ]);
    const relaxed = stagingWith({}, { highAvailability: false, documentDb: { instances: 1 } });
    expect(relaxed.aws?.documentDb.instances).toBe(1);
  });

  it("HA also refuses a single Redis node or a single task per side", () => {
    expect(paths(() => stagingWith({}, { redis: { nodes: 1 }, ecs: { desiredCount: 1 } }))).toEqual([
      "aws.redis.nodes",
      "aws.ecs.desiredCount",
    ]);
  });

  it("a certificate from another region, a health-check timeout not below its interval", () => {
    expect(
      paths(() =>
        stagingWith(
          {},
          {
            alb: {
              certificateArn: CERT.replace("ap-northeast-2", "us-east-1"),
              healthCheck: { intervalSeconds: 10, timeoutSeconds: 10 },
            },
          },
        ),
      ),
    ).toEqual(["aws.alb.certificateArn", "aws.alb.healthCheck.timeoutSeconds"]);
  });

  it("a Fargate memory size the CPU size does not allow", () => {
    expect(paths(() => stagingWith({}, { ecs: { cpu: 256, memory: 4096 } }))).toEqual(["aws.ecs.memory"]);
    expect(paths(() => stagingWith({}, { ecs: { cpu: 300 } }))).toEqual(["aws.ecs.cpu"]);
  });

  it("an unknown aws key gets a did-you-mean at its own path", () => {
    const issues = configIssues(() => stagingWith({}, { documentDb: { instanse: 3 } }));
    expect(issues).toEqual([
      { path: "aws.documentDb.instanse", message: expect.stringMatching(/"instances"/) },
    ]);
  });

  it("AWS-only checks: equal release names, an unhealthy threshold the ALB cannot take, Slack", () => {
    const config = stagingWith({
      releases: {
        stable: { image: "registry/ion-api:1", name: "blue" },
        canary: { image: "registry/ion-api:2", name: "blue" },
      },
      thresholds: { health: { rollbackAfterFailures: 1 } },
      notifications: { emails: [], slackChannel: "#ion" },
    });
    expect(paths(() => checkAwsStage(config))).toEqual([
      "releases.canary.name",
      "thresholds.health.rollbackAfterFailures",
      "notifications.slackChannel",
    ]);
  });
});

describe("pure helpers", () => {
  it("CIDR overlap agrees with address arithmetic", () => {
    const block = (text: string) => {
      const parsed = parseIpv4Cidr(text);
      if (typeof parsed === "string") throw new Error(parsed);
      return parsed;
    };
    expect(blocksOverlap(block("10.1.0.0/16"), block("10.1.255.0/24"))).toBe(true);
    expect(blocksOverlap(block("10.1.1.0/24"), block("10.1.2.0/24"))).toBe(false);
    expect(blocksOverlap(block("10.1.1.0/25"), block("10.1.1.128/25"))).toBe(false);
    expect(block("10.1.1.0/24")).toMatchObject({ first: 167837952, last: 167837952 + 255 });
  });

  it("ECR image → repository ARN; other registries → none", () => {
    expect(ecrRepositoryArn("123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/team/ion-api:1.5.0")).toBe(
      "arn:aws:ecr:ap-northeast-2:123456789012:repository/team/ion-api",
    );
    expect(ecrRepositoryArn("123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/ion-api@sha256:abc")).toBe(
      "arn:aws:ecr:ap-northeast-2:123456789012:repository/ion-api",
    );
    expect(ecrRepositoryArn("ghcr.io/org/ion-api:1.5.0")).toBeUndefined();
  });
});
