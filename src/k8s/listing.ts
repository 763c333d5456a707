/**
 * Lines the `synth` listing prints under the monitoring resources, so a reviewer sees the alerts'
 * limits and the dashboards' panels without reading JSON.
 */

type Inputs = Record<string, unknown>;
type Lines = [string, string][];

function records(value: unknown): Inputs[] {
  return Array.isArray(value) ? (value as Inputs[]) : [];
}

function record(value: unknown): Inputs {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Inputs) : {};
}

function parsed(text: unknown): Inputs {
  try {
    return typeof text === "string" ? record(JSON.parse(text)) : {};
  } catch {
    return {};
  }
}

function ruleGroups(inputs: Inputs): Lines {
  const metadata = record(inputs.metadata);
  const scope = metadata.namespace === undefined ? "cluster" : String(metadata.namespace);
  const lines: Lines = [["rule", `${scope}/${String(metadata.name)}`]];
  for (const group of records(record(inputs.spec).groups)) {
    for (const rule of records(group.rules)) {
      const expr = String(rule.expr);
      const limit = expr.slice(expr.lastIndexOf(" > ") + 1);
      lines.push([
        "alert",
        `${String(rule.alert)} ${limit} for ${String(rule.for)} (every ${String(group.interval)})`,
      ]);
    }
  }
  return lines;
}

function grafanaConfigMap(inputs: Inputs): Lines {
  const metadata = record(inputs.metadata);
  const lines: Lines = [
    [
      "configmap",
      `${String(metadata.namespace)}/${String(metadata.name)} ${JSON.stringify(metadata.labels)}`,
    ],
  ];
  for (const [file, text] of Object.entries(record(inputs.data))) {
    const dashboard = parsed(text);
    lines.push(["dashboard", `${file}: ${String(dashboard.title)}`]);
    const panels = records(dashboard.panels).map((panel) => String(panel.title));
    if (panels.length > 0) lines.push(["panels", panels.join(" · ")]);
  }
  return lines;
}

function cloudMonitoringDashboard(inputs: Inputs): Lines {
  const dashboard = parsed(inputs.dashboardJson);
  const tiles = records(record(dashboard.mosaicLayout).tiles).map((tile) =>
    String(record(tile.widget).title),
  );
  return [
    ["dashboard", String(dashboard.displayName)],
    ["panels", tiles.join(" · ")],
  ];
}

export const MONITORING_SUMMARIES: Record<string, (inputs: Inputs) => Lines> = {
  "kubernetes:monitoring.googleapis.com/v1:GlobalRules": ruleGroups,
  "kubernetes:core/v1:ConfigMap": grafanaConfigMap,
  "gcp:monitoring/dashboard:Dashboard": cloudMonitoringDashboard,
};
