import type { StageConfig } from "../../config";
import type { CloudWatchDimensions, Side } from "../../signals";
import { elbTargetHealth, healthyTargetTimeoutMs } from "./drivers/elb-target-health";
import { HealthyTargetsDriver } from "./drivers/healthy-targets";
import { LocalTrafficDriver } from "./drivers/local";
import { PulumiTrafficDriver } from "./drivers/pulumi";
import { stackTrafficApi } from "./drivers/stack-traffic-api";
import { CloudMonitoringCounters } from "./metrics/cloud-monitoring-counters";
import { CloudWatchMetricsSource } from "./metrics/cloudwatch";
import { PrometheusMetricsSource } from "./metrics/prometheus";
import { notifierFromEnv } from "./notify";
import { buildGates, type StageGates } from "./probes/from-config";
import { stackOutputsReader } from "./probes/stack-outputs";
import type { MetricsSource, Notifier, TrafficDriver } from "./types";

/**
 * The edges of one stage, chosen by `cfg.platform`:
 * - gcp: the stage's Pulumi stack (Automation API) + Cloud Monitoring with Google auth: request
 *   counts per aligned period from the Monitoring API, P95/memory/CPU from its PromQL endpoint;
 * - aws: the Pulumi stack + CloudWatch GetMetricData, dimensions from the stack's outputs;
 * - local: HAProxy's runtime API + the rehearsal's Prometheus, and, when `local.cloudMonitoring` is
 *   set, counts through the rehearsal's Cloud Monitoring exactly as on gcp.
 * The CLI loads this module only for commands that touch the platform (the SDKs take a while to load).
 */

export interface Edges {
  driver: TrafficDriver;
  metrics: MetricsSource;
  notifier: Notifier;
  /** Channels notifications go to (for the start banner); empty = none configured. */
  channels: string[];
  /** The pre-traffic gate and post-promotion check (`rollout.preTraffic`); absent when off. */
  gates: StageGates;
}

export interface EdgeOptions {
  /** The Pulumi project directory. */
  workDir?: string;
  env?: Record<string, string | undefined>;
  /** `pulumi up` output. */
  onOutput?: (text: string) => void;
  log?: (message: string) => void;
}

export const CLOUD_MONITORING_PROMQL = (project: string) =>
  `https://monitoring.googleapis.com/v1/projects/${project}/location/global/prometheus`;

export async function buildEdges(cfg: StageConfig, options: EdgeOptions = {}): Promise<Edges> {
  const env = options.env ?? process.env;
  const workDir = options.workDir ?? process.cwd();
  const notifier = notifierFromEnv(env, options.log ? { log: options.log } : {});
  const channels = notifier.channels;
  const gates = buildGates(cfg, {
    projectDir: workDir,
    release: cfg.releases.canary.name,
    readOutputs: stackOutputsReader(cfg, workDir),
    env: env as NodeJS.ProcessEnv,
  });
  return { ...(await trafficAndMetrics(cfg, workDir, env, options)), notifier, channels, gates };
}

export async function buildDriver(cfg: StageConfig, options: EdgeOptions = {}): Promise<TrafficDriver> {
  const workDir = options.workDir ?? process.cwd();
  if (cfg.platform === "local") return localDriver(cfg, workDir);
  // Reverts through the platform's traffic API first; the served split read from it too.
  const trafficApi = stackTrafficApi(cfg);
  const driver = new PulumiTrafficDriver({
    stage: cfg.stage,
    workDir,
    cfg,
    ...(options.onOutput ? { onOutput: options.onOutput } : {}),
    ...(trafficApi ? { trafficApi } : {}),
  });
  if (cfg.platform !== "aws") return driver;
  // ECS steady state is not ALB health: the new colour is ready once its targets are healthy.
  const region = cfg.aws?.region ?? "";
  return new HealthyTargetsDriver(driver, {
    health: elbTargetHealth(region),
    targetGroupOf: async () => {
      const outputs = await stackOutputsReader(cfg, workDir)();
      const arn = (outputs.targetGroupArns?.value as Record<Side, string> | undefined)?.canary;
      if (!arn)
        throw new Error(
          `the ${cfg.stage} stack has no targetGroupArns output: run \`pulumi up --stack ${cfg.stage}\` once`,
        );
      return arn;
    },
    timeoutMs: healthyTargetTimeoutMs(cfg),
  });
}

async function localDriver(cfg: StageConfig, workDir: string): Promise<TrafficDriver> {
  if (!cfg.local) throw new Error(`stage ${cfg.stage} has platform local but no local block`);
  return LocalTrafficDriver.forStage(cfg, workDir);
}

async function trafficAndMetrics(
  cfg: StageConfig,
  workDir: string,
  env: Record<string, string | undefined>,
  options: EdgeOptions,
): Promise<{ driver: TrafficDriver; metrics: MetricsSource }> {
  const driver = await buildDriver(cfg, { ...options, workDir });
  if (cfg.platform === "local") {
    const baseUrl = cfg.local?.prometheusUrl;
    if (!baseUrl) throw new Error(`stage ${cfg.stage} has platform local but no local.prometheusUrl`);
    return { driver, metrics: new PrometheusMetricsSource({ baseUrl, cfg, ...localCounters(cfg) }) };
  }
  if (cfg.platform === "gcp") {
    const project = cfg.gcp?.project;
    if (!project) throw new Error(`stage ${cfg.stage} has platform gcp but no gcp.project`);
    return {
      driver,
      metrics: new PrometheusMetricsSource({
        baseUrl: CLOUD_MONITORING_PROMQL(project),
        cfg,
        auth: "google",
        // Counts from the DELTA points per aligned period (Monitoring API), not PromQL over them.
        counters: new CloudMonitoringCounters({ cfg, project }),
      }),
    };
  }
  const region = cfg.aws?.region;
  if (!region) throw new Error(`stage ${cfg.stage} has platform aws but no aws.region`);
  const dimensions = await awsDimensions(cfg, workDir, env);
  return { driver, metrics: new CloudWatchMetricsSource({ cfg, region, dimensions }) };
}

/** The rehearsal's counts through its Cloud Monitoring stand-in: prod's reader, compressed periods. */
function localCounters(cfg: StageConfig): { counters?: CloudMonitoringCounters } {
  const monitoring = cfg.local?.cloudMonitoring;
  if (!monitoring) return {};
  return {
    counters: new CloudMonitoringCounters({
      cfg,
      project: monitoring.project,
      apiRoot: `${monitoring.url.replace(/\/+$/, "")}/v3`,
      periodSeconds: monitoring.samplingPeriodSeconds,
    }),
  };
}

/** `arn:aws:elasticloadbalancing:...:targetgroup/name/id` -> `targetgroup/name/id` (CloudWatch's dimension value). */
export function arnSuffix(arn: string): string {
  const index =
    arn.indexOf(":targetgroup/") >= 0 ? arn.indexOf(":targetgroup/") : arn.indexOf(":loadbalancer/");
  return index >= 0 ? arn.slice(index + 1).replace(/^loadbalancer\//, "") : arn;
}

type Outputs = Record<string, { value: unknown } | undefined>;

/**
 * CloudWatch dimensions per side from the stack outputs (`targetGroupArns`, `ecsClusterName`,
 * `ecsServiceNames`, and the ALB's `albArnSuffix`), or `ION_CLOUDWATCH_DIMENSIONS` as JSON
 * `{ "stable": {loadBalancer, targetGroup, cluster, service}, "canary": {...} }`.
 */
export async function awsDimensions(
  cfg: StageConfig,
  workDir: string,
  env: Record<string, string | undefined>,
  readOutputs?: () => Promise<Outputs>,
): Promise<Record<Side, CloudWatchDimensions>> {
  const given = env.ION_CLOUDWATCH_DIMENSIONS;
  if (given) return JSON.parse(given) as Record<Side, CloudWatchDimensions>;
  const outputs = await (
    readOutputs ??
    (async () => {
      const { LocalWorkspace } =
        require("@pulumi/pulumi/automation") as typeof import("@pulumi/pulumi/automation");
      const stack = await LocalWorkspace.selectStack({ stackName: cfg.stage, workDir });
      return (await stack.outputs()) as Outputs;
    })
  )();
  const value = <T>(key: string) => outputs[key]?.value as T | undefined;
  const tgs = value<Record<Side, string>>("targetGroupArns");
  const services = value<Record<Side, string>>("ecsServiceNames");
  const cluster = value<string>("ecsClusterName");
  const alb = value<string>("albArnSuffix") ?? env.ION_ALB_ARN_SUFFIX;
  if (!tgs || !services || !cluster || !alb) {
    throw new Error(
      `the ${cfg.stage} stack outputs lack CloudWatch dimensions (need targetGroupArns, ecsServiceNames, ecsClusterName and albArnSuffix or ION_ALB_ARN_SUFFIX); or set ION_CLOUDWATCH_DIMENSIONS`,
    );
  }
  const side = (s: Side): CloudWatchDimensions => ({
    loadBalancer: alb,
    targetGroup: arnSuffix(tgs[s]),
    cluster,
    service: services[s],
  });
  return { stable: side("stable"), canary: side("canary") };
}
