import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { StageConfig } from "../config";
import type { AppCluster } from "./app-cluster";
import { awsSettings } from "./settings";
import { ROLE_TAG, SIDE_TAG } from "./tags";
import type { ReleaseSide } from "./traffic";

export interface ReleaseServiceArgs {
  /** Reads the service port and health path, `aws.ecs` (size, count, health check) and the region. */
  config: StageConfig;
  /** Which release this service runs (blue = stable, green = canary in staging). */
  side: ReleaseSide;
  cluster: AppCluster;
  targetGroupArn: pulumi.Input<string>;
  /** The listener must hold the target group before a service can register into it. */
  listener: pulumi.Resource;
  subnetIds: pulumi.Input<string>[];
  securityGroupId: pulumi.Input<string>;
  /** Plain environment of the container. */
  environment: Record<string, pulumi.Input<string>>;
  /** Environment variable → Secrets Manager ARN, resolved by ECS at task start. */
  secrets: Record<string, pulumi.Input<string>>;
}

/**
 * One release as a Fargate service in the private subnets, registered in its own target group,
 * with a container health check on the health path and the deployment circuit breaker on (a
 * release whose tasks never get healthy rolls back to its previous task definition).
 */
export class ReleaseService extends pulumi.ComponentResource {
  readonly service: aws.ecs.Service;
  readonly taskDefinition: aws.ecs.TaskDefinition;

  constructor(name: string, args: ReleaseServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ion-deploy:aws:ReleaseService", name, {}, opts);
    const cfg = args.config;
    const settings = awsSettings(cfg);
    const { ecs } = settings;
    const { release, role } = args.side;
    const port = cfg.service.port;
    const child = { parent: this };
    const tags = { [SIDE_TAG]: release.name, [ROLE_TAG]: role };

    const container = pulumi
      .all([args.environment, args.secrets, args.cluster.logGroup.name])
      .apply(([environment, secrets, logGroup]) => [
        {
          name: cfg.service.name,
          image: release.image,
          essential: true,
          portMappings: [{ containerPort: port, protocol: "tcp" }],
          environment: Object.entries(environment).map(([key, value]) => ({ name: key, value })),
          secrets: Object.entries(secrets).map(([key, valueFrom]) => ({ name: key, valueFrom })),
          // Exec form, only when configured: a shell or curl may not be in the image. Otherwise
          // the target group's health check on the health path is the one that replaces tasks.
          ...(ecs.healthCheck.command && {
            healthCheck: {
              command: ["CMD", ...ecs.healthCheck.command],
              interval: ecs.healthCheck.intervalSeconds,
              timeout: ecs.healthCheck.timeoutSeconds,
              retries: ecs.healthCheck.retries,
              startPeriod: ecs.healthCheck.startPeriodSeconds,
            },
          }),
          logConfiguration: {
            logDriver: "awslogs",
            options: {
              "awslogs-group": logGroup,
              "awslogs-region": settings.region,
              "awslogs-stream-prefix": release.name,
            },
          },
        },
      ]);
    this.taskDefinition = new aws.ecs.TaskDefinition(
      name,
      {
        family: `${cfg.service.name}-${cfg.stage}-${release.name}`,
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: String(ecs.cpu),
        memory: String(ecs.memory),
        executionRoleArn: args.cluster.executionRole.arn,
        taskRoleArn: args.cluster.taskRole.arn,
        containerDefinitions: pulumi.jsonStringify(container),
        runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
        tags,
      },
      child,
    );
    this.service = new aws.ecs.Service(
      name,
      {
        cluster: args.cluster.cluster.arn,
        taskDefinition: this.taskDefinition.arn,
        launchType: "FARGATE",
        // A retired old side keeps its service (and target group) at zero tasks for the next release.
        desiredCount: args.side.retired ? 0 : ecs.desiredCount,
        deploymentMinimumHealthyPercent: 100,
        deploymentMaximumPercent: 200,
        deploymentCircuitBreaker: { enable: true, rollback: true },
        // The update returns once ECS reports steady state (tasks running and, behind the ALB,
        // healthy targets), so a canary deployed at 0% is ready before its pre-traffic gate.
        waitForSteadyState: true,
        healthCheckGracePeriodSeconds: ecs.healthCheckGracePeriodSeconds,
        networkConfiguration: {
          subnets: args.subnetIds,
          securityGroups: [args.securityGroupId],
          assignPublicIp: false,
        },
        loadBalancers: [
          { targetGroupArn: args.targetGroupArn, containerName: cfg.service.name, containerPort: port },
        ],
        propagateTags: "SERVICE",
        enableExecuteCommand: false,
        tags,
      },
      { ...child, dependsOn: [args.listener] },
    );
    this.registerOutputs({ serviceName: this.service.name });
  }
}
