import type { StageConfig } from "../../config";
import type { CloudWatchDimensions, Side } from "../../signals";
import type { RecordedTrace } from "../core/trace/build";
import { loadCloudWatchRecording, loadEdges } from "../edges/load";
import type { CloudWatchSender } from "../edges/metrics/cloudwatch";
import { recordPrometheusTrace } from "../edges/metrics/prometheus-trace";
import type { TimeRange } from "./time-range";

/**
 * Where `ion-rollout trace` reads a stage's history, by platform, with the runner's own queries:
 * local → the stage's Prometheus; gcp → Cloud Monitoring's PromQL endpoint with Google credentials;
 * aws → CloudWatch GetMetricData. The AWS SDK and the Pulumi-backed edges load only when the stage
 * needs them: a local trace takes a second, not five.
 */
export interface TraceSourceDeps {
  fetch?: typeof fetch;
  cloudWatchClient?: CloudWatchSender;
  env?: Record<string, string | undefined>;
  workDir?: string;
}

export interface TraceSourceRequest {
  cfg: StageConfig;
  range: TimeRange;
  /** `--metrics-url`: another Prometheus-compatible root than the stage's. */
  metricsUrl?: string;
  onProgress: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** What to tell the operator when the source cannot be read, per platform. */
export function sourceHint(cfg: StageConfig, metricsUrl?: string): string {
  if (metricsUrl) return "check --metrics-url (it must be the root of a Prometheus HTTP API)";
  if (cfg.platform === "local") {
    return "is the rehearsal's Prometheus running? Set local.prometheusUrl in the stage file, or pass --metrics-url URL";
  }
  if (cfg.platform === "gcp") {
    return "needs Google credentials with roles/monitoring.viewer on the project (gcloud auth application-default login, or GOOGLE_APPLICATION_CREDENTIALS)";
  }
  return "needs AWS credentials allowed cloudwatch:GetMetricData in aws.region (AWS_PROFILE or the AWS_* variables), and the stack outputs or ION_CLOUDWATCH_DIMENSIONS";
}

export function defaultStepSeconds(cfg: StageConfig): number {
  const interval = cfg.rollout.checkIntervalSeconds;
  // CloudWatch's shortest standard period is a minute; the signals module rounds up the same way.
  return cfg.platform === "aws" ? Math.max(60, Math.ceil(interval / 60) * 60) : interval;
}

export async function recordFromStage(
  request: TraceSourceRequest,
  deps: TraceSourceDeps,
): Promise<RecordedTrace> {
  const { cfg } = request;
  if (cfg.platform !== "aws" || request.metricsUrl) {
    const baseUrl = request.metricsUrl ?? stagePrometheusUrl(cfg);
    if (!baseUrl) throw new Error(`stage ${cfg.stage} names no Prometheus URL`);
    const google = new URL(baseUrl).hostname === "monitoring.googleapis.com";
    return recordPrometheusTrace({
      baseUrl,
      cfg,
      range: request.range,
      ...(google ? { auth: "google" as const } : {}),
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
      onProgress: request.onProgress,
      ...(request.signal ? { signal: request.signal } : {}),
    });
  }
  return recordFromCloudWatch(request, deps);
}

function stagePrometheusUrl(cfg: StageConfig): string | undefined {
  if (cfg.platform === "local") return cfg.local?.prometheusUrl;
  const { CLOUD_MONITORING_PROMQL } = loadEdges();
  return cfg.gcp?.project ? CLOUD_MONITORING_PROMQL(cfg.gcp.project) : undefined;
}

async function recordFromCloudWatch(
  request: TraceSourceRequest,
  deps: TraceSourceDeps,
): Promise<RecordedTrace> {
  const { cfg } = request;
  const region = cfg.aws?.region;
  if (!region) throw new Error(`stage ${cfg.stage} has platform aws but no aws.region`);
  const { awsDimensions, recordCloudWatchTrace, CloudWatchClient } = loadCloudWatchRecording();
  const dims = await awsDimensions(cfg, deps.workDir ?? process.cwd(), deps.env ?? process.env);
  const dimensions = sidesByRelease(dims, cfg.releases.canary.name, cfg.releases.stable.name);
  const client = deps.cloudWatchClient ?? new CloudWatchClient({ region });
  return recordCloudWatchTrace({
    cfg,
    region,
    dimensions,
    range: request.range,
    client,
    onProgress: (pages) => request.onProgress(pages, pages),
    ...(request.signal ? { signal: request.signal } : {}),
  });
}

function names(d: CloudWatchDimensions, release: string): boolean {
  return d.service === release || d.service.endsWith(`-${release}`) || d.targetGroup.includes(`/${release}`);
}

/**
 * The stack outputs key dimensions by today's roles; a past rollout's canary may be today's
 * stable (blue/green swap roles on every release). Picks each side by its release (colour) name.
 */
export function sidesByRelease(
  dims: Record<Side, CloudWatchDimensions>,
  canary: string,
  stable: string,
): Record<Side, CloudWatchDimensions> {
  if (names(dims.canary, canary) && names(dims.stable, stable)) return dims;
  if (names(dims.stable, canary) && names(dims.canary, stable))
    return { canary: dims.stable, stable: dims.canary };
  throw new Error(
    `--canary ${canary} / --stable ${stable} do not name the stack's ECS services (${dims.canary.service}, ${dims.stable.service}); pass the release (colour) names`,
  );
}
