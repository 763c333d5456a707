import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { CanaryReadiness, Side, StageConfig } from "../config";
import { AlarmTopic } from "./alarm-topic";
import { AppCluster } from "./app-cluster";
import { AppSecrets } from "./app-secrets";
import { ContainerRegistry } from "./container-registry";
import { StageCredentials } from "./credentials";
import { DocumentDb } from "./document-db";
import { WeightedLoadBalancer } from "./load-balancer";
import { Network } from "./network";
import { PrivateBucket } from "./private-bucket";
import { ecsReadiness } from "./readiness";
import { Redis } from "./redis";
import { ReleaseService } from "./release-service";
import { RollbackAlarms } from "./rollback-alarms";
import { RolloutStoreBucket } from "./rollout-store-bucket";
import { SecurityGroups } from "./security-groups";
import { awsSettings, checkAwsStage } from "./settings";
import { StageKey } from "./stage-key";
import { stageTags } from "./tags";
import { releaseSides, updateOrder } from "./traffic";
import { DOCUMENTDB_PORT, REDIS_PORT } from "./traffic-rules";

export interface AwsStageArgs {
  /** The validated stage config; everything the stage declares comes from it. */
  config: StageConfig;
}

/**
 * What an AWS stage exports. No credential: the app reads them from Secrets Manager by ARN, people
 * with `secretsmanager:GetSecretValue` on `appSecretArns`.
 */
export interface AwsStageOutputs {
  albDnsName: pulumi.Output<string>;
  /** The ALB's CloudWatch dimension value (`app/<name>/<id>`); the runner's metrics source reads it. */
  albArnSuffix: pulumi.Output<string>;
  /** Target group ARN per release role (stable, canary). */
  targetGroupArns: Record<Side, pulumi.Output<string>>;
  weights: Record<Side, number>;
  /** Whether the canary colour's ECS service runs this release at steady state (read before the pre-traffic gate). */
  canaryReadiness: pulumi.Output<CanaryReadiness>;
  ecsClusterName: pulumi.Output<string>;
  /** ECS service name per release role. */
  ecsServiceNames: Record<Side, pulumi.Output<string>>;
  docdbEndpoint: pulumi.Output<string>;
  docdbReaderEndpoint: pulumi.Output<string>;
  redisEndpoint: pulumi.Output<string>;
  repositoryUrl: pulumi.Output<string>;
  filesBucket: pulumi.Output<string>;
  alarmTopicArn: pulumi.Output<string>;
  /** Put Prometheus / Grafana tasks in this group: the only one that may scrape the app. */
  monitoringSecurityGroupId: pulumi.Output<string>;
  /** Environment variable → Secrets Manager ARN of each secret the app reads (MONGO_URL, REDIS_AUTH_TOKEN). */
  appSecretArns: Record<string, pulumi.Output<string>>;
  /** The bucket holding the rollout records (`rollout.store.kind` s3 only). */
  rolloutStoreBucket?: pulumi.Output<string>;
  /** The IAM policy (JSON) the deploy role needs on that bucket's prefix; attach it to the role. */
  rolloutStoreAccessPolicy?: pulumi.Output<string>;
}

/** An explicit provider in the stage's region, tagging everything it creates with the stage. */
function regionalProvider(
  name: string,
  cfg: StageConfig,
  opts?: pulumi.ComponentResourceOptions,
): aws.Provider {
  return new aws.Provider(
    `${name}-${awsSettings(cfg).region}`,
    { region: awsSettings(cfg).region as aws.Region, defaultTags: { tags: stageTags(cfg) } },
    { parent: opts?.parent },
  );
}

type Child = { parent: pulumi.Resource };

/** The shared pieces the stage's parts are declared on. */
interface Foundation {
  cfg: StageConfig;
  key: aws.kms.Key;
  privateSubnetIds: pulumi.Output<string>[];
  sg: SecurityGroups["groups"];
}

/** DocumentDB and Redis, and the secret holding how the app reaches them. */
function dataStores(
  name: string,
  { cfg, key, privateSubnetIds, sg }: Foundation,
  credentials: StageCredentials,
  child: Child,
) {
  const settings = awsSettings(cfg);
  const docdb = new DocumentDb(
    `${name}-docdb`,
    {
      config: cfg,
      subnetIds: privateSubnetIds,
      securityGroupId: sg.documentDb.id,
      kmsKeyArn: key.arn,
      masterPassword: credentials.docdbMasterPassword,
    },
    child,
  ).cluster;
  const redis = new Redis(
    `${name}-redis`,
    {
      config: cfg,
      subnetIds: privateSubnetIds,
      securityGroupId: sg.redis.id,
      kmsKeyArn: key.arn,
      authToken: credentials.redisAuthToken,
    },
    child,
  ).replicationGroup;
  const mongoUrl = pulumi.interpolate`mongodb://${settings.documentDb.masterUsername}:${credentials.docdbMasterPassword.apply(encodeURIComponent)}@${docdb.endpoint}:${DOCUMENTDB_PORT}/?tls=true&tlsCAFile=${settings.documentDb.caBundlePath}&replicaSet=rs0&readPreference=secondaryPreferred&retryWrites=false`;
  const secrets = new AppSecrets(
    `${name}-secrets`,
    { values: { MONGO_URL: mongoUrl, REDIS_AUTH_TOKEN: credentials.redisAuthToken }, kmsKeyArn: key.arn },
    child,
  );
  return { docdb, redis, secrets };
}

/** The ECS service of each release side, behind its target group of the load balancer. */
function releaseServices(
  name: string,
  { cfg, privateSubnetIds, sg }: Foundation,
  deps: {
    cluster: AppCluster;
    balancer: WeightedLoadBalancer;
    redis: aws.elasticache.ReplicationGroup;
    files: aws.s3.Bucket;
    secrets: AppSecrets;
    /** What the services wait for: the listener, unless the services go first (`updateOrder`). */
    after: pulumi.Resource[];
  },
  child: Child,
): ReleaseService[] {
  const { cluster, balancer, redis, files, secrets, after } = deps;
  return releaseSides(cfg).map(
    (side) =>
      new ReleaseService(
        `${name}-${side.release.name}`,
        {
          config: cfg,
          side,
          cluster,
          targetGroupArn: balancer.targetGroups[side.role].arn,
          after,
          subnetIds: privateSubnetIds,
          securityGroupId: sg.app.id,
          environment: {
            PORT: String(cfg.service.port),
            ION_STAGE: cfg.stage,
            ION_RELEASE: side.release.name,
            REDIS_URL: pulumi.interpolate`rediss://${redis.primaryEndpointAddress}:${REDIS_PORT}`,
            FILES_BUCKET: files.bucket,
            AWS_REGION: awsSettings(cfg).region,
          },
          secrets: secrets.arns,
        },
        child,
      ),
  );
}

/** The alarm topic and each release's roll-back alarms, on the dimensions of its ALB target and ECS service. */
function alarms(
  name: string,
  { cfg, key }: Foundation,
  deps: { balancer: WeightedLoadBalancer; cluster: AppCluster; services: aws.ecs.Service[] },
  child: Child,
): aws.sns.Topic {
  const { balancer, cluster, services } = deps;
  const topic = new AlarmTopic(`${name}-alarms`, { config: cfg, kmsKeyArn: key.arn }, child).topic;
  new RollbackAlarms(
    `${name}-rollback`,
    {
      config: cfg,
      topicArn: topic.arn,
      sides: releaseSides(cfg).map((side, index) => ({
        side,
        dimensions: {
          loadBalancer: balancer.loadBalancer.arnSuffix,
          targetGroup: balancer.targetGroups[side.role].arnSuffix,
          cluster: cluster.cluster.name,
          service: (services[index] as aws.ecs.Service).name,
        },
      })),
    },
    child,
  );
  return topic;
}

/** The rollout records' bucket of an `s3` store; a `directory` store lives on the runner's machine. */
function rolloutStore(
  name: string,
  cfg: StageConfig,
  child: Child,
): Pick<AwsStageOutputs, "rolloutStoreBucket" | "rolloutStoreAccessPolicy"> {
  if (cfg.rollout.store.kind !== "s3") return {};
  const store = new RolloutStoreBucket(`${name}-rollout-store`, { config: cfg }, child);
  return { rolloutStoreBucket: store.bucket.bucket, rolloutStoreAccessPolicy: store.accessPolicy };
}

/**
 * The staging stage on AWS (the staging runbook): a VPC across two zones, an ALB splitting traffic between
 * the blue (stable) and green (canary) Fargate services by `canaryWeight`, DocumentDB and Redis
 * encrypted at rest and in transit, file storage, an image registry, and roll-back alarms per
 * release from the shared signals module.
 */
export class AwsStage extends pulumi.ComponentResource {
  readonly outputs: AwsStageOutputs;

  constructor(name: string, args: AwsStageArgs, opts?: pulumi.ComponentResourceOptions) {
    const cfg = args.config;
    checkAwsStage(cfg);
    super(
      "ion-deploy:aws:AwsStage",
      name,
      {},
      { ...opts, providers: { aws: regionalProvider(name, cfg, opts) } },
    );
    const settings = awsSettings(cfg);
    const child = { parent: this };

    const key = new StageKey(`${name}-key`, { config: cfg }, child).key;
    const network = new Network(`${name}-net`, { config: cfg }, child);
    const privateSubnetIds = network.privateSubnets.map((subnet) => subnet.id);
    const sg = new SecurityGroups(`${name}-sg`, { config: cfg, vpcId: network.vpc.id }, child).groups;
    const base: Foundation = { cfg, key, privateSubnetIds, sg };
    const credentials = new StageCredentials(`${name}-credentials`, child);

    const files = new PrivateBucket(
      `${name}-files`,
      {
        encryption: settings.storage.encryption === "AES256" ? "AES256" : { kmsKeyArn: key.arn },
        noncurrentVersionExpirationDays: settings.storage.noncurrentVersionExpirationDays,
        forceDestroy: settings.storage.forceDestroy,
        retainOnDelete: true,
      },
      child,
    ).bucket;
    const registry = new ContainerRegistry(`${name}-ecr`, { config: cfg }, child).repository;
    const { docdb, redis, secrets } = dataStores(name, base, credentials, child);
    const cluster = new AppCluster(
      `${name}-app`,
      {
        config: cfg,
        repositoryArn: registry.arn,
        secretArns: Object.values(secrets.arns),
        kmsKeyArn: key.arn,
        filesBucketArn: files.arn,
      },
      child,
    );

    // One order per update (`updateOrder`): the services first whenever the canary gets weight.
    const servicesFirst = updateOrder(cfg) === "services";
    let servicesCreated: (services: pulumi.Resource[]) => void = () => {};
    const listenerAfter = new Promise<pulumi.Resource[]>((resolve) => {
      servicesCreated = resolve;
    });
    const balancer = new WeightedLoadBalancer(
      `${name}-alb`,
      {
        config: cfg,
        vpcId: network.vpc.id,
        publicSubnetIds: network.publicSubnets.map((subnet) => subnet.id),
        securityGroupId: sg.alb.id,
        ...(servicesFirst ? { listenerAfter } : {}),
      },
      child,
    );
    const after = servicesFirst ? [] : [balancer.httpsListener];
    const released = releaseServices(name, base, { cluster, balancer, redis, files, secrets, after }, child);
    const services = released.map((release) => release.service);
    servicesCreated(services);
    const [stableService, canaryService] = services as [aws.ecs.Service, aws.ecs.Service];
    const canaryReleased = released[1] as ReleaseService;
    const topic = alarms(name, base, { balancer, cluster, services }, child);

    const sides = releaseSides(cfg);
    this.outputs = {
      ...rolloutStore(name, cfg, child),
      albDnsName: balancer.loadBalancer.dnsName,
      albArnSuffix: balancer.loadBalancer.arnSuffix,
      targetGroupArns: { stable: balancer.targetGroups.stable.arn, canary: balancer.targetGroups.canary.arn },
      weights: { stable: sides[0].weight, canary: sides[1].weight },
      canaryReadiness: pulumi
        .all([canaryService.taskDefinition, canaryReleased.taskDefinition.arn, canaryService.desiredCount])
        .apply(([serviceTaskDefinition, declaredTaskDefinition, desiredCount]) =>
          ecsReadiness(cfg.releases.canary.name, {
            serviceTaskDefinition,
            declaredTaskDefinition,
            desiredCount,
          }),
        ),
      ecsClusterName: cluster.cluster.name,
      ecsServiceNames: { stable: stableService.name, canary: canaryService.name },
      docdbEndpoint: docdb.endpoint,
      docdbReaderEndpoint: docdb.readerEndpoint,
      redisEndpoint: redis.primaryEndpointAddress,
      repositoryUrl: registry.repositoryUrl,
      filesBucket: files.bucket,
      alarmTopicArn: topic.arn,
      monitoringSecurityGroupId: sg.monitoring.id,
      appSecretArns: secrets.arns,
    };
    this.registerOutputs({ ...this.outputs });
  }
}
