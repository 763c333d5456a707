import { z } from "zod";
import { TestListenerSchema } from "./aws-test-listener";
import { blocksOverlap, containsBlock, type Ipv4Block, parseIpv4Cidr } from "./cidr";

/** A CIDR that parses and is aligned (AWS rejects `10.1.1.5/24`). */
const cidr = z.string().superRefine((text, ctx) => {
  const parsed = parseIpv4Cidr(text);
  if (typeof parsed === "string") ctx.addIssue({ code: "custom", message: `${parsed} (got "${text}")` });
});

/** The retention periods CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const logRetentionDays = z
  .number()
  .int()
  .refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
    message: `must be one of CloudWatch Logs' retention periods: ${LOG_RETENTION_DAYS.join(", ")}`,
  });

/** The staging runbook's VPC: 10.1.0.0/16, two public and two private /24s, one per availability zone. */
const VpcSchema = z
  .object({
    cidr: cidr.default("10.1.0.0/16"),
    /** One per availability zone: the ALB and one NAT gateway each. */
    publicSubnets: z.array(cidr).min(2).default(["10.1.1.0/24", "10.1.2.0/24"]),
    /** One per availability zone, same order as `publicSubnets`: tasks, DocumentDB, Redis. */
    privateSubnets: z.array(cidr).min(2).default(["10.1.10.0/24", "10.1.11.0/24"]),
    /** Pin the zones (same order as the subnets); otherwise the region's first available ones. */
    availabilityZones: z.array(z.string().min(1)).optional(),
    flowLogRetentionDays: logRetentionDays.default(30),
  })
  .strict();

const AlbSchema = z
  .object({
    /** ACM certificate for the HTTPS listener, in the stage's region. */
    certificateArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/,
        "must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)",
      ),
    /** TLS 1.3 with 1.2 fallback, AWS's recommended policy. */
    tlsPolicy: z
      .string()
      .regex(/^ELBSecurityPolicy-/, "must be an ELB security policy name")
      .default("ELBSecurityPolicy-TLS13-1-2-2021-06"),
    /** Who may reach the ALB on 80/443; the only rules that may name a CIDR outside the VPC. */
    ingressCidrs: z.array(cidr).min(1).default(["0.0.0.0/0"]),
    idleTimeoutSeconds: z.number().int().min(1).max(4000).default(60),
    deletionProtection: z.boolean().default(false),
    /** The staging runbook wants a blue-green switch in < 30 s: drain old targets for at most this long. */
    deregistrationDelaySeconds: z.number().int().min(0).max(3600).default(30),
    healthCheck: z
      .object({
        /** The staging runbook's 30 s. */
        intervalSeconds: z.number().int().min(5).max(300).default(30),
        timeoutSeconds: z.number().int().min(2).max(120).default(5),
        healthyThreshold: z.number().int().min(2).max(10).default(2),
        /** Used only when `thresholds.health` is not set; otherwise its `rollbackAfterFailures`. */
        unhealthyThreshold: z.number().int().min(2).max(10).default(3),
      })
      .strict()
      .prefault({}),
    accessLogRetentionDays: z.number().int().min(1).default(90),
    /** The canary-only HTTPS listener for the pre-traffic gate (aws-test-listener.ts); absent = none. */
    testListener: TestListenerSchema.optional(),
  })
  .strict();

/** Fargate's CPU units and the memory (MiB) each allows: [min, max, step]. */
export const FARGATE_MEMORY: Record<number, [number, number, number]> = {
  256: [512, 2048, 512],
  512: [1024, 4096, 1024],
  1024: [2048, 8192, 1024],
  2048: [4096, 16_384, 1024],
  4096: [8192, 30_720, 1024],
  8192: [16_384, 61_440, 4096],
  16384: [32_768, 122_880, 8192],
};

const EcsSchema = z
  .object({
    /** Tasks per side (blue and green); the staging runbook runs 3 backends. */
    desiredCount: z.number().int().min(0).max(100).default(3),
    cpu: z.number().int().default(512),
    memory: z.number().int().default(1024),
    logRetentionDays: logRetentionDays.default(30),
    /**
     * The container health check (the staging runbook's compose file: 30 s / 10 s / 3 retries / 40 s). Only
     * with `command` (exec form, a program the image contains); without it the ALB's target group
     * health check on `service.healthPath` is the one ECS acts on.
     */
    healthCheck: z
      .object({
        command: z.array(z.string().min(1)).min(1).optional(),
        intervalSeconds: z.number().int().min(5).max(300).default(30),
        timeoutSeconds: z.number().int().min(2).max(60).default(10),
        retries: z.number().int().min(1).max(10).default(3),
        startPeriodSeconds: z.number().int().min(0).max(300).default(40),
      })
      .strict()
      .prefault({}),
    /** Seconds ECS ignores failing ALB health checks after a task starts. */
    healthCheckGracePeriodSeconds: z.number().int().min(0).max(2_147_483_647).default(60),
    containerInsights: z.boolean().default(true),
  })
  .strict();

const DocumentDbSchema = z
  .object({
    /** The staging runbook's 3-node replica set. */
    instances: z.number().int().min(1).max(16).default(3),
    instanceClass: z
      .string()
      .regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, "must be a DocumentDB instance class like db.t3.medium")
      .default("db.t3.medium"),
    engineVersion: z
      .string()
      .regex(/^\d+\.\d+\.\d+$/, "must be a DocumentDB engine version like 5.0.0")
      .default("5.0.0"),
    masterUsername: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9]{0,62}$/, "must start with a letter, letters and digits only")
      .default("ionadmin"),
    backupRetentionDays: z.number().int().min(1).max(35).default(7),
    /** UTC; 17:00-18:00 UTC is 02:00-03:00 KST, the seed's low-traffic window. */
    preferredBackupWindow: z
      .string()
      .regex(/^\d{2}:\d{2}-\d{2}:\d{2}$/, "must be hh24:mi-hh24:mi (UTC)")
      .default("17:00-18:00"),
    /** Set false before `pulumi destroy`. */
    deletionProtection: z.boolean().default(true),
    /**
     * Where the image holds the Amazon RDS CA bundle (global-bundle.pem) the app's TLS connection
     * trusts; `MONGO_URL` passes it as `tlsCAFile`.
     */
    caBundlePath: z
      .string()
      .regex(/^\/[^?&#\s]+\.pem$/, "must be an absolute path to a .pem file, no ? & # or spaces")
      .default("/etc/ssl/certs/rds-global-bundle.pem"),
    /** Take a final snapshot when the cluster is deleted. */
    finalSnapshot: z.boolean().default(true),
  })
  .strict();

const RedisSchema = z
  .object({
    /** The staging runbook's 2 nodes: a primary and a replica. */
    nodes: z.number().int().min(1).max(6).default(2),
    nodeType: z
      .string()
      .regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, "must be an ElastiCache node type like cache.t3.micro")
      .default("cache.t3.micro"),
    engineVersion: z
      .string()
      .regex(/^\d+\.\d+$/, "must be a Redis engine version like 7.1")
      .default("7.1"),
    /** How a changed `redisAuthToken` is applied: ROTATE keeps the old one valid until the next change. */
    authTokenUpdateStrategy: z.enum(["ROTATE", "SET"]).default("ROTATE"),
    snapshotRetentionDays: z.number().int().min(0).max(35).default(1),
  })
  .strict();

const StorageSchema = z
  .object({
    /** The staging runbook's AES-256. `aws:kms` uses the stage's KMS key. */
    encryption: z.enum(["AES256", "aws:kms"]).default("AES256"),
    noncurrentVersionExpirationDays: z.number().int().min(1).default(30),
    /** Allow `pulumi destroy` to delete a non-empty bucket. */
    forceDestroy: z.boolean().default(false),
  })
  .strict();

const EcrSchema = z
  .object({
    /** Defaults to `service.name`. */
    repositoryName: z
      .string()
      .regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/, "must be an ECR name")
      .optional(),
    /** Untagged and old images beyond this many are expired. */
    keepImages: z.number().int().min(1).max(10_000).default(100),
    /** Allow `pulumi destroy` to delete the repository with its images. */
    forceDelete: z.boolean().default(false),
  })
  .strict();

const MonitoringSchema = z
  .object({
    /** Ports Prometheus and Grafana serve on the monitoring group (they scrape the app on its service port). */
    ports: z.array(z.number().int().min(1).max(65_535)).min(1).default([9090, 3000]),
    /** The ALB may forward to those ports (a listener rule in front of Prometheus / Grafana). */
    fromLoadBalancer: z.boolean().default(true),
    /** Operator networks (VPN, office) that may reach those ports directly; never the internet. */
    operatorCidrs: z
      .array(cidr.refine((text) => !text.endsWith("/0"), "must not be the whole internet"))
      .default([]),
  })
  .strict();

const AlarmsSchema = z
  .object({
    /** SNS subscriptions besides `notifications.emails` (which subscribe by email). */
    subscriptions: z
      .array(
        z
          .object({
            protocol: z.enum(["https", "sqs", "lambda", "sms", "email-json", "firehose"]),
            endpoint: z.string().min(1),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

export const AwsStageSchema = z
  .object({
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "must be an AWS region like ap-northeast-2"),
    /** Demand high availability: ≥ 2 DocumentDB instances, ≥ 2 Redis nodes, ≥ 2 tasks per side. */
    highAvailability: z.boolean().default(true),
    vpc: VpcSchema.prefault({}),
    alb: AlbSchema,
    ecs: EcsSchema.prefault({}),
    documentDb: DocumentDbSchema.prefault({}),
    redis: RedisSchema.prefault({}),
    storage: StorageSchema.prefault({}),
    ecr: EcrSchema.prefault({}),
    monitoring: MonitoringSchema.prefault({}),
    alarms: AlarmsSchema.prefault({}),
    /** The stage's customer-managed key (DocumentDB, Redis, SNS, optionally S3). */
    kms: z
      .object({ deletionWindowDays: z.number().int().min(7).max(30).default(30) })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((aws, ctx) => {
    const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: "custom", path, message });
    checkSubnets(aws.vpc, issue);
    checkHighAvailability(aws, issue);
    const certRegion = aws.alb.certificateArn.split(":")[3];
    if (certRegion && certRegion !== aws.region) {
      issue(
        ["alb", "certificateArn"],
        `an ALB needs an ACM certificate from its own region (${aws.region}); this one is in ${certRegion}`,
      );
    }
    const { healthCheck } = aws.alb;
    if (healthCheck.timeoutSeconds >= healthCheck.intervalSeconds) {
      issue(
        ["alb", "healthCheck", "timeoutSeconds"],
        `must be shorter than intervalSeconds (${healthCheck.intervalSeconds})`,
      );
    }
    const memory = FARGATE_MEMORY[aws.ecs.cpu];
    if (!memory) {
      issue(
        ["ecs", "cpu"],
        `Fargate CPU units are ${Object.keys(FARGATE_MEMORY).join(", ")}; got ${aws.ecs.cpu}`,
      );
    } else {
      const [min, max, step] = memory;
      if (aws.ecs.memory < min || aws.ecs.memory > max || (aws.ecs.memory - min) % step !== 0) {
        issue(
          ["ecs", "memory"],
          `with cpu ${aws.ecs.cpu} Fargate takes ${min}-${max} MiB in steps of ${step}; got ${aws.ecs.memory}`,
        );
      }
    }
    const ports = aws.monitoring.ports;
    if (new Set(ports).size !== ports.length) issue(["monitoring", "ports"], "lists a port twice");
  });

type Issue = (path: PropertyKey[], message: string) => void;

/**
 * Subnets: valid blocks inside the VPC, none overlapping another, one public and one private per
 * availability zone (each private subnet routes through the NAT gateway of its zone).
 */
function checkSubnets(vpc: z.infer<typeof VpcSchema>, issue: Issue): void {
  const vpcBlock = parseIpv4Cidr(vpc.cidr);
  if (typeof vpcBlock === "string") return;
  if (vpcBlock.prefix < 16 || vpcBlock.prefix > 28) {
    issue(["vpc", "cidr"], `a VPC block must be /16 to /28; got /${vpcBlock.prefix}`);
  }
  const seen: { key: string; block: Ipv4Block }[] = [];
  for (const kind of ["publicSubnets", "privateSubnets"] as const) {
    vpc[kind].forEach((text, index) => {
      const block = parseIpv4Cidr(text);
      if (typeof block === "string") return;
      const path = ["vpc", kind, index];
      if (block.prefix < 16 || block.prefix > 28) {
        issue(path, `a subnet block must be /16 to /28; got ${text}`);
      }
      if (!containsBlock(vpcBlock, block)) issue(path, `${text} is outside the VPC block ${vpc.cidr}`);
      const clash = seen.find((other) => blocksOverlap(other.block, block));
      if (clash) issue(path, `${text} overlaps ${clash.block.text} (vpc.${clash.key})`);
      seen.push({ key: `${kind}.${index}`, block });
    });
  }
  if (vpc.privateSubnets.length !== vpc.publicSubnets.length) {
    issue(
      ["vpc", "privateSubnets"],
      `one private subnet per public subnet (one per availability zone): ${vpc.publicSubnets.length} public, ${vpc.privateSubnets.length} private`,
    );
  }
  if (vpc.availabilityZones && vpc.availabilityZones.length !== vpc.publicSubnets.length) {
    issue(
      ["vpc", "availabilityZones"],
      `one zone per public/private subnet pair: ${vpc.publicSubnets.length} pairs, ${vpc.availabilityZones.length} zones`,
    );
  }
}

interface HighAvailabilityFields {
  highAvailability: boolean;
  documentDb: { instances: number };
  redis: { nodes: number };
  ecs: { desiredCount: number };
}

function checkHighAvailability(aws: HighAvailabilityFields, issue: Issue): void {
  if (!aws.highAvailability) return;
  const why = "highAvailability is demanded (set ion-deploy:aws.highAvailability false to allow it)";
  if (aws.documentDb.instances < 2) {
    issue(
      ["documentDb", "instances"],
      `${aws.documentDb.instances} DocumentDB instance has no replica to fail over to, but ${why}; use at least 2`,
    );
  }
  if (aws.redis.nodes < 2) {
    issue(["redis", "nodes"], `1 Redis node cannot fail over, but ${why}; use at least 2`);
  }
  if (aws.ecs.desiredCount < 2) {
    issue(
      ["ecs", "desiredCount"],
      `${aws.ecs.desiredCount} task per side is a single point of failure, but ${why}; use at least 2`,
    );
  }
}

export type AwsStage = z.infer<typeof AwsStageSchema>;
export type AwsStageInput = z.input<typeof AwsStageSchema>;
