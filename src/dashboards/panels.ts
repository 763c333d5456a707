import type { StageConfig } from "../config";
import { type QuerySet, type RollbackSignal, rollbackRules, stageQueries } from "../signals";

/** How a panel's values read: a ratio shown as percent, milliseconds, or requests per second. */
export type PanelUnit = "ratio" | "ms" | "rps";

/** A limit drawn across a panel: the roll-back limit (red) or the GO gate (yellow above it). */
export interface PanelThreshold {
  kind: "rollback" | "go";
  value: number;
  label: string;
}

export interface PanelQuery {
  /** Which `stageQueries` entry this is; the query text is that entry, never a copy. */
  signal: keyof QuerySet;
  expr: string;
  /** Legend prefix, e.g. `p95`; the side's revision or service name follows it. */
  legend?: string;
}

/**
 * One dashboard panel, independent of where it is drawn. The Grafana and Cloud Monitoring builders
 * both render this list, so the two dashboards show the same picture.
 */
export interface DashboardPanel {
  key: "trafficShare" | "errorRate" | "latency" | "rps" | "memory" | "cpu";
  title: string;
  unit: PanelUnit;
  /** Draw the sides stacked to 100% (traffic share) instead of as lines. */
  stackedShare?: boolean;
  queries: PanelQuery[];
  thresholds: PanelThreshold[];
}

export interface StageDashboard {
  title: string;
  /** The label whose value names the side (revision or service) in each series. */
  sideLabel: string;
  panels: DashboardPanel[];
}

/** The roll-back limit from `rollbackRules` (the alert's number) and the GO gate from config. */
function thresholdsFor(cfg: StageConfig, signal: RollbackSignal): PanelThreshold[] {
  const limits: PanelThreshold[] = [];
  const go = cfg.thresholds[signal]?.goAtMost;
  const rule = rollbackRules(cfg).find((candidate) => candidate.signal === signal);
  // A GO gate equal to the roll-back limit (prod memory) would draw the same line twice.
  if (go !== undefined && go !== rule?.threshold) limits.push({ kind: "go", value: go, label: "GO gate" });
  if (rule) limits.push({ kind: "rollback", value: rule.threshold, label: "roll-back limit" });
  return limits;
}

function query(queries: QuerySet, signal: keyof QuerySet, legend?: string): PanelQuery {
  return legend === undefined ? { signal, expr: queries[signal] } : { signal, expr: queries[signal], legend };
}

/** The stage's release dashboard: traffic share, error rate, latency, RPS, memory, CPU. */
export function stageDashboard(cfg: StageConfig): StageDashboard {
  const { sideLabel, ...queries } = stageQueries(cfg);
  return {
    title: `${cfg.service.name} ${cfg.stage}: canary ${cfg.releases.canary.name} vs stable ${cfg.releases.stable.name}`,
    sideLabel,
    panels: [
      {
        key: "trafficShare",
        title: "Traffic share, canary vs stable",
        unit: "rps",
        stackedShare: true,
        queries: [query(queries, "rps")],
        thresholds: [],
      },
      {
        key: "errorRate",
        title: "Error rate (5xx / all)",
        unit: "ratio",
        queries: [query(queries, "errorRate")],
        thresholds: thresholdsFor(cfg, "errorRate"),
      },
      {
        key: "latency",
        title: "Latency P50 / P95 / P99 (ms)",
        unit: "ms",
        queries: [
          query(queries, "p50LatencyMs", "p50"),
          query(queries, "p95LatencyMs", "p95"),
          query(queries, "p99LatencyMs", "p99"),
        ],
        // The limits apply to P95, the percentile the runner and the alert judge.
        thresholds: thresholdsFor(cfg, "p95LatencyMs"),
      },
      {
        key: "rps",
        title: "Requests per second",
        unit: "rps",
        queries: [query(queries, "rps")],
        thresholds: [],
      },
      {
        key: "memory",
        title: "Memory utilisation (P95 of instances)",
        unit: "ratio",
        queries: [query(queries, "memory")],
        thresholds: thresholdsFor(cfg, "memory"),
      },
      {
        key: "cpu",
        title: "CPU utilisation (P95 of instances)",
        unit: "ratio",
        queries: [query(queries, "cpu")],
        thresholds: thresholdsFor(cfg, "cpu"),
      },
    ],
  };
}
