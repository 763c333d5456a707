import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Side, StageConfig } from "../config";
import { PrivateBucket } from "./private-bucket";
import { awsSettings, unhealthyThreshold } from "./settings";
import { listenerTags, ROLE_TAG, SIDE_TAG } from "./tags";
import { CanaryTestListener } from "./test-listener";
import { releaseSides, weightedForward } from "./traffic";

export interface WeightedLoadBalancerArgs {
  /** Reads `aws.alb`, the service port and health path, the releases and `canaryWeight`. */
  config: StageConfig;
  vpcId: pulumi.Input<string>;
  /** One per availability zone. */
  publicSubnetIds: pulumi.Input<string>[];
  securityGroupId: pulumi.Input<string>;
}

const ACCESS_LOG_PREFIX = "alb";

type Child = { parent: pulumi.Resource };
type AlbSettings = ReturnType<typeof awsSettings>["alb"];

/** The private bucket the ALB writes its access logs to (S3-managed keys: all ALB logs support). */
function accessLogBucket(name: string, settings: AlbSettings, child: Child): PrivateBucket {
  const elbAccount = aws.elb.getServiceAccountOutput({}, child).arn;
  return new PrivateBucket(
    `${name}-logs`,
    {
      // ALB access logs support S3-managed keys only.
      encryption: "AES256",
      expireAfterDays: settings.accessLogRetentionDays,
      extraStatements: (bucketArn) => [
        {
          Sid: "AlbAccessLogs",
          Effect: "Allow",
          Principal: { AWS: elbAccount },
          Action: "s3:PutObject",
          Resource: pulumi.interpolate`${bucketArn}/${ACCESS_LOG_PREFIX}/*`,
        },
      ],
    },
    child,
  );
}

/** The target group of one release role, health-checked on the service's health path. */
function releaseTargetGroup(
  name: string,
  args: WeightedLoadBalancerArgs,
  role: Side,
  child: Child,
): aws.lb.TargetGroup {
  const cfg = args.config;
  const settings = awsSettings(cfg).alb;
  const side = releaseSides(cfg).find((candidate) => candidate.role === role);
  const release = side?.release.name ?? role;
  return new aws.lb.TargetGroup(
    `${name}-${release}`,
    {
      vpcId: args.vpcId,
      targetType: "ip",
      protocol: "HTTP",
      port: cfg.service.port,
      deregistrationDelay: settings.deregistrationDelaySeconds,
      healthCheck: {
        enabled: true,
        protocol: "HTTP",
        path: cfg.service.healthPath,
        port: "traffic-port",
        matcher: "200",
        interval: settings.healthCheck.intervalSeconds,
        timeout: settings.healthCheck.timeoutSeconds,
        healthyThreshold: settings.healthCheck.healthyThreshold,
        unhealthyThreshold: unhealthyThreshold(cfg),
      },
      tags: { [SIDE_TAG]: release, [ROLE_TAG]: role },
    },
    child,
  );
}

/** Plain HTTP only redirects to HTTPS. */
function httpRedirect(name: string, loadBalancer: aws.lb.LoadBalancer, child: Child): void {
  new aws.lb.Listener(
    `${name}-http`,
    {
      loadBalancerArn: loadBalancer.arn,
      port: 80,
      protocol: "HTTP",
      defaultActions: [
        { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
      ],
    },
    child,
  );
}

/**
 * The public entry of the stage: an ALB whose HTTPS listener forwards to the two releases' target
 * groups in ONE weighted action (stable `100 - canaryWeight`, canary `canaryWeight`), so a
 * rollout step or a revert is one listener update. HTTP only redirects to HTTPS. Access logs go
 * to a private bucket.
 */
export class WeightedLoadBalancer extends pulumi.ComponentResource {
  readonly loadBalancer: aws.lb.LoadBalancer;
  readonly targetGroups: Record<Side, aws.lb.TargetGroup>;
  readonly httpsListener: aws.lb.Listener;
  readonly accessLogs: PrivateBucket;

  constructor(name: string, args: WeightedLoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ion-deploy:aws:WeightedLoadBalancer", name, {}, opts);
    const cfg = args.config;
    const settings = awsSettings(cfg).alb;
    const child = { parent: this };

    this.accessLogs = accessLogBucket(name, settings, child);

    this.loadBalancer = new aws.lb.LoadBalancer(
      name,
      {
        loadBalancerType: "application",
        internal: false,
        securityGroups: [args.securityGroupId],
        subnets: args.publicSubnetIds,
        idleTimeout: settings.idleTimeoutSeconds,
        dropInvalidHeaderFields: true,
        enableDeletionProtection: settings.deletionProtection,
        accessLogs: { bucket: this.accessLogs.bucket.id, prefix: ACCESS_LOG_PREFIX, enabled: true },
      },
      // The ALB checks that it may write to the bucket when access logs are switched on.
      { ...child, dependsOn: [this.accessLogs] },
    );

    this.targetGroups = {
      stable: releaseTargetGroup(name, args, "stable", child),
      canary: releaseTargetGroup(name, args, "canary", child),
    };

    this.httpsListener = new aws.lb.Listener(
      `${name}-https`,
      {
        loadBalancerArn: this.loadBalancer.arn,
        port: 443,
        protocol: "HTTPS",
        sslPolicy: settings.tlsPolicy,
        certificateArn: settings.certificateArn,
        defaultActions: [
          weightedForward(cfg, {
            stable: this.targetGroups.stable.arn,
            canary: this.targetGroups.canary.arn,
          }),
        ],
        tags: listenerTags(cfg),
      },
      child,
    );
    httpRedirect(name, this.loadBalancer, child);
    // The canary-only test listener for the pre-traffic gate (test-listener.ts).
    if (settings.testListener) {
      const { testListener: test } = settings;
      const arns = { lb: this.loadBalancer.arn, canary: this.targetGroups.canary.arn };
      new CanaryTestListener(
        `${name}-test`,
        {
          config: cfg,
          test,
          loadBalancerArn: arns.lb,
          canaryTargetGroupArn: arns.canary,
          securityGroupId: args.securityGroupId,
        },
        child,
      );
    }
    this.registerOutputs({
      dnsName: this.loadBalancer.dnsName,
      targetGroupArns: { stable: this.targetGroups.stable.arn, canary: this.targetGroups.canary.arn },
    });
  }
}
