import { describe, expect, it } from "vitest";
import {
  check,
  declared,
  editResource,
  outcomeOf,
  render,
  renderCommitted,
  stageWith,
  TYPES,
  violationsOf,
  withoutResources,
  withResources,
} from "./fixtures";

type Raw = Record<string, unknown>;

async function staging() {
  return renderCommitted("staging");
}

/** The one violation of `policy`, asserting there is exactly one. */
async function onlyViolation(rendered: Parameters<typeof check>[0], policy: string) {
  const found = violationsOf(await check(rendered), policy);
  expect(found, JSON.stringify(found, null, 2)).toHaveLength(1);
  return found[0] as (typeof found)[number];
}

describe("gcs-buckets-private", () => {
  const policy = "gcs-buckets-private";
  const BUCKET = "gcp:storage/bucket:Bucket";

  it("passes prod: its rollout store bucket is IAM-only with public access prevention enforced", async () => {
    expect(outcomeOf(await check(await renderCommitted("prod")), policy)).toBe("passed");
  });

  it("catches a bucket without public access prevention, naming the setting", async () => {
    const edited = editResource(await renderCommitted("prod"), BUCKET, "prod-rollout-store", (inputs) => {
      inputs.publicAccessPrevention = "inherited";
    });
    const violation = await onlyViolation(edited, policy);
    expect(violation.resource?.type).toBe(BUCKET);
    expect(violation.message).toContain('does not set publicAccessPrevention: "enforced"');
  });

  it("catches a bucket grant to allUsers", async () => {
    const open = declared("gcp:storage/bucketIAMMember:BucketIAMMember", "open", {
      bucket: "internal-ai-innovation-ion-rollout",
      role: "roles/storage.objectViewer",
      member: "allUsers",
    });
    const violation = await onlyViolation(withResources(await renderCommitted("prod"), open), policy);
    expect(violation.message).toContain("to allUsers: anyone could reach its objects");
  });
});

describe("cloud-run-invoker-public-only-if-declared", () => {
  const policy = "cloud-run-invoker-public-only-if-declared";

  it("passes prod: allUsers may invoke because gcp.public is true (label ion-public=true)", async () => {
    expect(outcomeOf(await check(await renderCommitted("prod")), policy)).toBe("passed");
  });

  it("catches allUsers on a service not declared public", async () => {
    const edited = editResource(await renderCommitted("prod"), TYPES.service, "ion-api", (inputs) => {
      (inputs.labels as Record<string, string>)["ion-public"] = "false";
    });
    const violation = await onlyViolation(edited, policy);
    expect(violation.resource?.type).toBe(TYPES.invoker);
    expect(violation.message).toContain(
      'lets allUsers invoke service ion-api, which is not declared public (label ion-public is not "true")',
    );
    expect(violation.message).toContain(
      "Fix: set ion-deploy:gcp.public: false and list the callers in ion-deploy:gcp.invokers",
    );
  });

  it("passes a private service whose invokers are named principals", async () => {
    const run = await check(
      await render(
        stageWith("prod", {
          gcp: { public: false, invokers: ["serviceAccount:lb@p.iam.gserviceaccount.com"] },
        }),
      ),
    );
    expect(violationsOf(run, policy)).toEqual([]);
    expect(outcomeOf(run, policy)).toBe("passed");
  });

  it("catches a role other than invoker granted to allUsers, even on a public service", async () => {
    const prod = await renderCommitted("prod");
    const invoker = prod.resources.find((resource) => resource.type === TYPES.invoker);
    const edited = editResource(prod, TYPES.invoker, invoker?.name ?? "", (inputs) => {
      inputs.role = "roles/run.developer";
    });
    expect((await onlyViolation(edited, policy)).message).toContain("grants roles/run.developer");
  });
});

describe("documentdb-encrypted", () => {
  const policy = "documentdb-encrypted";

  it("catches storageEncrypted false", async () => {
    const edited = editResource(await staging(), TYPES.docdb, "staging-docdb", (inputs) => {
      inputs.storageEncrypted = false;
    });
    const violation = await onlyViolation(edited, policy);
    expect(violation.message).toMatch(/^Cluster "staging-docdb": storageEncrypted is not true/);
  });

  it("catches TLS turned off in the cluster parameter group it uses", async () => {
    const edited = editResource(await staging(), TYPES.docdbParameters, "staging-docdb", (inputs) => {
      inputs.parameters = [{ name: "tls", value: "disabled" }];
    });
    const violation = await onlyViolation(edited, policy);
    expect(violation.message).toContain('ClusterParameterGroup "staging-docdb" sets tls=disabled');
  });
});

describe("elasticache-encrypted", () => {
  const policy = "elasticache-encrypted";

  it("catches Redis without TLS, and with TLS only 'preferred'", async () => {
    const off = editResource(await staging(), TYPES.redis, "staging-redis", (inputs) => {
      inputs.transitEncryptionEnabled = false;
    });
    expect((await onlyViolation(off, policy)).message).toContain("transitEncryptionEnabled is not true");
    const preferred = editResource(await staging(), TYPES.redis, "staging-redis", (inputs) => {
      inputs.transitEncryptionMode = "preferred";
    });
    expect((await onlyViolation(preferred, policy)).message).toContain(
      'transitEncryptionMode is "preferred"',
    );
  });

  it("catches Redis without encryption at rest", async () => {
    const edited = editResource(await staging(), TYPES.redis, "staging-redis", (inputs) => {
      delete inputs.atRestEncryptionEnabled;
    });
    expect((await onlyViolation(edited, policy)).message).toContain("atRestEncryptionEnabled is not true");
  });
});

describe("s3-encrypted", () => {
  const policy = "s3-encrypted";

  it("catches a bucket without its server-side encryption configuration", async () => {
    const edited = withoutResources(
      await staging(),
      (resource) => resource.type === TYPES.bucketEncryption && resource.name === "staging-files",
    );
    const violation = await onlyViolation(edited, policy);
    expect(violation.message).toMatch(/^Bucket "staging-files": has no default server-side encryption/);
  });

  it("catches a bucket whose policy no longer denies plain HTTP", async () => {
    const edited = editResource(await staging(), TYPES.bucketPolicy, "staging-files", (inputs) => {
      inputs.policy = JSON.stringify({ Version: "2012-10-17", Statement: [] });
    });
    const violation = await onlyViolation(edited, policy);
    expect(violation.message).toContain('Bucket "staging-files": accepts plain-HTTP requests');
  });
});

describe("no-public-ingress-except-load-balancer", () => {
  const policy = "no-public-ingress-except-load-balancer";
  const openRule = (name: string, securityGroupId: string, port: number) =>
    declared(TYPES.ingressRule, name, {
      cidrIpv4: "0.0.0.0/0",
      fromPort: port,
      toPort: port,
      ipProtocol: "tcp",
      securityGroupId,
    });

  it("passes the ALB's 80/443 from the internet", async () => {
    expect(outcomeOf(await check(await staging()), policy)).toBe("passed");
  });

  it("catches the app's port 8000 opened to the internet", async () => {
    const violation = await onlyViolation(
      withResources(await staging(), openRule("app-8000-from-anywhere", "staging-sg-app-id", 8000)),
      policy,
    );
    expect(violation.message).toContain(
      'rule opens tcp 8000 to 0.0.0.0/0 on a security group no load balancer uses (SecurityGroup "staging-sg-app")',
    );
  });

  it("catches the ALB's group opened on 8080", async () => {
    const violation = await onlyViolation(
      withResources(await staging(), openRule("alb-8080-from-anywhere", "staging-sg-alb-id", 8080)),
      policy,
    );
    expect(violation.message).toContain(
      "on the load balancer's security group to 0.0.0.0/0; only ports 80, 443",
    );
  });

  it("catches IPv6 ::/0 on an inline rule of the Redis group", async () => {
    const edited = editResource(await staging(), TYPES.securityGroup, "staging-sg-redis", (inputs) => {
      inputs.ingress = [{ protocol: "tcp", fromPort: 6379, toPort: 6379, ipv6CidrBlocks: ["::/0"] }];
    });
    expect((await onlyViolation(edited, policy)).message).toContain("opens tcp 6379 to ::/0");
  });
});

describe("no-ssh-ingress", () => {
  const policy = "no-ssh-ingress";

  it("catches SSH from the VPC, not just from the internet", async () => {
    const ssh = declared(TYPES.ingressRule, "ssh-from-vpc", {
      cidrIpv4: "10.1.0.0/16",
      fromPort: 22,
      toPort: 22,
      ipProtocol: "tcp",
      securityGroupId: "staging-sg-app-id",
    });
    const violation = await onlyViolation(withResources(await staging(), ssh), policy);
    expect(violation.message).toContain("admits SSH on port 22 from 10.1.0.0/16");
  });

  it("catches an all-traffic rule, which includes SSH", async () => {
    const edited = editResource(await staging(), TYPES.securityGroup, "staging-sg-app", (inputs) => {
      inputs.ingress = [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["10.1.0.0/16"] }];
    });
    expect((await onlyViolation(edited, policy)).message).toContain("ingress 1 (all traffic) admits SSH");
  });
});

describe("alb-listeners-https-modern-tls", () => {
  const policy = "alb-listeners-https-modern-tls";

  it("catches the 2016 TLS policy on the HTTPS listener", async () => {
    const edited = editResource(await staging(), TYPES.listener, "staging-alb-https", (inputs) => {
      inputs.sslPolicy = "ELBSecurityPolicy-2016-08";
    });
    const violation = await onlyViolation(edited, policy);
    expect(violation.message).toContain(
      "serves HTTPS with sslPolicy ELBSecurityPolicy-2016-08, not a modern one",
    );
    expect(violation.message).toContain("Fix: set sslPolicy to ELBSecurityPolicy-TLS13-1-2-2021-06");
  });

  it("catches a plain-HTTP listener that forwards instead of redirecting", async () => {
    const edited = editResource(await staging(), TYPES.listener, "staging-alb-http", (inputs) => {
      inputs.defaultActions = [
        { type: "forward", targetGroupArn: "arn:aws:elasticloadbalancing:x:targetgroup/blue" },
      ];
    });
    expect((await onlyViolation(edited, policy)).message).toContain("listens on plain HTTP (port 80)");
  });
});

describe("ecr-scan-on-push", () => {
  it("catches a repository that does not scan on push", async () => {
    const edited = editResource(await staging(), TYPES.ecr, "staging-ecr", (inputs) => {
      inputs.imageScanningConfiguration = { scanOnPush: false };
    });
    const violation = await onlyViolation(edited, "ecr-scan-on-push");
    expect(violation.message).toMatch(/^Repository "staging-ecr": does not scan images on push/);
  });
});

describe("production-databases-protected", () => {
  const policy = "production-databases-protected";
  const unprotected = (inputs: Raw) => {
    inputs.deletionProtection = false;
    inputs.backupRetentionPeriod = 1;
    inputs.skipFinalSnapshot = true;
  };

  it("catches a prod DocumentDB cluster without deletion protection, with 1-day backups and no final snapshot", async () => {
    const edited = editResource(await staging(), TYPES.docdb, "staging-docdb", (inputs) => {
      unprotected(inputs);
      inputs.tags = { "ion-stage": "prod" };
    });
    const found = violationsOf(await check(edited), policy).map((violation) => violation.message);
    expect(found).toEqual([
      expect.stringContaining("belongs to production stage prod but deletionProtection is not true"),
      expect.stringContaining("keeps backups for 1 day(s), fewer than 7"),
      expect.stringContaining("skipFinalSnapshot is true"),
    ]);
  });

  it("leaves the same cluster alone in a stage that is not production (staging, from the provider's default tags)", async () => {
    const edited = editResource(await staging(), TYPES.docdb, "staging-docdb", unprotected);
    expect(violationsOf(await check(edited), policy)).toEqual([]);
    expect(outcomeOf(await check(edited), policy)).toBe("passed");
  });

  it("an organisation can treat staging as production in the pack config", async () => {
    const edited = editResource(await staging(), TYPES.docdb, "staging-docdb", unprotected);
    const run = await check(edited, { [policy]: { productionStages: ["prod", "staging"] } });
    expect(violationsOf(run, policy)).toHaveLength(3);
  });
});

describe("target-groups-have-alarms", () => {
  it("catches the green target group once its alarms are gone (committed: both groups watched)", async () => {
    const committed = await staging();
    expect(outcomeOf(await check(committed), "target-groups-have-alarms")).toBe("passed");
    const blind = withoutResources(
      committed,
      (resource) => resource.type === TYPES.alarm && resource.name.startsWith("staging-rollback-green-"),
    );
    const violation = await onlyViolation(blind, "target-groups-have-alarms");
    expect(violation.resource?.name).toBe("staging-alb-green");
    expect(violation.message).toContain("no CloudWatch alarm has this target group in its dimensions");
  });
});
