import type { StageConfig } from "../config";
import { type DashboardPanel, type PanelUnit, stageDashboard } from "./panels";

/** Cloud Monitoring's mosaic grid is 48 columns wide; two tiles a row. */
const COLUMNS = 48;
const TILE_WIDTH = 24;
const TILE_HEIGHT = 16;
/** Cloud Run writes its metrics once a minute; a finer alignment would only draw gaps. */
const CLOUD_RUN_SAMPLE_SECONDS = 60;

const Y_AXIS_LABELS: Record<PanelUnit, string> = { ratio: "ratio", ms: "ms", rps: "requests/s" };
/** UCUM units Cloud Monitoring uses to format values. */
const UNIT_OVERRIDES: Record<PanelUnit, string> = { ratio: "1", ms: "ms", rps: "1/s" };

function widget(panel: DashboardPanel, alignment: string) {
  const dataSets = panel.queries.map((query) => ({
    timeSeriesQuery: { prometheusQuery: query.expr, unitOverride: UNIT_OVERRIDES[panel.unit] },
    plotType: "LINE",
    targetAxis: "Y1",
    minAlignmentPeriod: alignment,
  }));
  if (panel.stackedShare) {
    // Each side's slice of the requests per second is its share of the traffic.
    return {
      title: panel.title,
      pieChart: {
        chartType: "DONUT",
        showLabels: true,
        dataSets: panel.queries.map((query) => ({
          timeSeriesQuery: { prometheusQuery: query.expr },
          minAlignmentPeriod: alignment,
        })),
      },
    };
  }
  return {
    title: panel.title,
    xyChart: {
      dataSets,
      thresholds: panel.thresholds.map((threshold) => ({
        label: threshold.label,
        value: threshold.value,
        color: threshold.kind === "rollback" ? "RED" : "YELLOW",
        direction: "ABOVE",
        targetAxis: "Y1",
      })),
      yAxis: { label: Y_AXIS_LABELS[panel.unit], scale: "LINEAR" },
    },
  };
}

/**
 * The stage dashboard as Cloud Monitoring `dashboardJson`: the same panels, PromQL and limits as
 * the Grafana dashboard, so people see one picture in Grafana or in the Cloud console.
 */
export function cloudMonitoringDashboard(cfg: StageConfig) {
  const dashboard = stageDashboard(cfg);
  const alignment = `${Math.max(CLOUD_RUN_SAMPLE_SECONDS, cfg.rollout.checkIntervalSeconds)}s`;
  return {
    displayName: dashboard.title,
    labels: { "ion-deploy": "", [cfg.stage]: "" },
    mosaicLayout: {
      columns: COLUMNS,
      tiles: dashboard.panels.map((panel, index) => ({
        xPos: (index % 2) * TILE_WIDTH,
        yPos: Math.floor(index / 2) * TILE_HEIGHT,
        width: TILE_WIDTH,
        height: TILE_HEIGHT,
        widget: widget(panel, alignment),
      })),
    },
  };
}

export type CloudMonitoringDashboardJson = ReturnType<typeof cloudMonitoringDashboard>;
