import type { StageConfig } from "../config";
import { type DashboardPanel, type PanelUnit, stageDashboard } from "./panels";

/** Grafana's unit ids for the panel units. */
const GRAFANA_UNITS: Record<PanelUnit, string> = { ratio: "percentunit", ms: "ms", rps: "reqps" };

/** Grafana dashboard uids are at most 40 characters. */
export function grafanaUid(cfg: StageConfig): string {
  return `ion-${cfg.service.name}-${cfg.stage}`.slice(0, 40);
}

const PANEL_WIDTH = 12;
const PANEL_HEIGHT = 8;
/** The dashboard's Prometheus data source is a variable, so one JSON works in any Grafana. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JS template
const DATASOURCE = { type: "prometheus", uid: "${datasource}" };

function grafanaPanel(panel: DashboardPanel, index: number, sideLabel: string) {
  const steps: { color: string; value: number | null }[] = [{ color: "green", value: null }];
  for (const threshold of [...panel.thresholds].sort((a, b) => a.value - b.value)) {
    steps.push({ color: threshold.kind === "rollback" ? "red" : "yellow", value: threshold.value });
  }
  return {
    id: index + 1,
    type: "timeseries",
    title: panel.title,
    datasource: DATASOURCE,
    gridPos: {
      x: (index % 2) * PANEL_WIDTH,
      y: Math.floor(index / 2) * PANEL_HEIGHT,
      w: PANEL_WIDTH,
      h: PANEL_HEIGHT,
    },
    targets: panel.queries.map((query, queryIndex) => ({
      refId: String.fromCharCode(65 + queryIndex),
      datasource: DATASOURCE,
      expr: query.expr,
      legendFormat: query.legend ? `${query.legend} {{${sideLabel}}}` : `{{${sideLabel}}}`,
    })),
    fieldConfig: {
      defaults: {
        // Stacked to 100%, the rps series read as each side's share of traffic.
        unit: panel.stackedShare ? "percentunit" : GRAFANA_UNITS[panel.unit],
        thresholds: { mode: "absolute", steps },
        custom: {
          drawStyle: "line",
          fillOpacity: panel.stackedShare ? 70 : 0,
          stacking: panel.stackedShare ? { mode: "percent", group: "A" } : { mode: "none" },
          thresholdsStyle: { mode: panel.thresholds.length > 0 ? "line" : "off" },
        },
      },
      overrides: [],
    },
    options: { legend: { displayMode: "table", placement: "bottom", calcs: ["lastNotNull", "max"] } },
  };
}

/** Default uid of the Grafana data source that reads Cloud Monitoring (see src/config/k8s.ts). */
export const DEFAULT_GRAFANA_DATASOURCE = "managed-prometheus";

/**
 * The queries read Cloud Run's `run_googleapis_com:*` series, which only Cloud Monitoring holds: the
 * default source is a Grafana Prometheus data source pointed at Managed Service for Prometheus'
 * query API (`https://monitoring.googleapis.com/v1/projects/PROJECT/location/global/prometheus`),
 * whose token Google's data source syncer refreshes.
 * https://cloud.google.com/stackdriver/docs/managed-prometheus/query
 */
function datasourceVariable(cfg: StageConfig) {
  const uid = cfg.k8s?.grafanaDatasource ?? DEFAULT_GRAFANA_DATASOURCE;
  return {
    name: "datasource",
    label: "Prometheus (Cloud Monitoring)",
    description:
      "A Prometheus data source that queries Cloud Monitoring (Managed Service for Prometheus); a self-hosted Prometheus has no run_googleapis_com series.",
    type: "datasource",
    query: "prometheus",
    current: { text: uid, value: uid },
  };
}

/** The stage dashboard as Grafana JSON (schema 39), for the sidecar-loaded ConfigMap. */
export function grafanaDashboard(cfg: StageConfig) {
  const dashboard = stageDashboard(cfg);
  return {
    uid: grafanaUid(cfg),
    title: dashboard.title,
    tags: ["ion-deploy", cfg.service.name, cfg.stage],
    timezone: "utc",
    schemaVersion: 39,
    editable: false,
    refresh: "30s",
    time: { from: "now-3h", to: "now" },
    templating: { list: [datasourceVariable(cfg)] },
    panels: dashboard.panels.map((panel, index) => grafanaPanel(panel, index, dashboard.sideLabel)),
  };
}

export type GrafanaDashboard = ReturnType<typeof grafanaDashboard>;
