import { MONITORING_SUMMARIES } from "../k8s/listing";
import type { DeclaredResource, RenderedStage } from "./render";
import { redact } from "./secrets";

/** The machine-readable form of a render (`synth --json`); secret values are `[secret]`. */
export interface StageJson {
  stage: string;
  platform: string;
  resources: {
    type: string;
    name: string;
    custom: boolean;
    parent?: { type: string; name: string };
    inputs: Record<string, unknown>;
    secretPaths: string[];
  }[];
  outputs: Record<string, unknown>;
}

/** The stack root is the engine's, not the stage's: left out of listings. */
const ROOT_TYPE = "pulumi:pulumi:Stack";

function key(resource: { type: string; name: string }): string {
  return `${resource.type}::${resource.name}`;
}

/**
 * The stage's resources in tree order (each parent before its children, siblings by type then
 * name), so listings are stable whatever order the engine registered them in.
 */
function declared(rendered: RenderedStage): DeclaredResource[] {
  const resources = rendered.resources.filter((resource) => resource.type !== ROOT_TYPE);
  const known = new Set(resources.map(key));
  const children = new Map<string, DeclaredResource[]>();
  for (const resource of resources) {
    const parentKey = resource.parent && known.has(key(resource.parent)) ? key(resource.parent) : "";
    children.set(parentKey, [...(children.get(parentKey) ?? []), resource]);
  }
  const ordered: DeclaredResource[] = [];
  const visit = (parentKey: string) => {
    const siblings = [...(children.get(parentKey) ?? [])].sort(
      (a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name),
    );
    for (const resource of siblings) {
      ordered.push(resource);
      visit(key(resource));
    }
  };
  visit("");
  return ordered;
}

function redactedInputs(resource: DeclaredResource): Record<string, unknown> {
  return redact(resource.inputs, resource.secretPaths) as Record<string, unknown>;
}

function redactedOutputs(rendered: RenderedStage): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(rendered.outputs).map(([key, value]) => [
      key,
      rendered.secretOutputs.includes(key) ? "[secret]" : value,
    ]),
  );
}

export function stageJson(rendered: RenderedStage): StageJson {
  return {
    stage: rendered.config.stage,
    platform: rendered.config.platform,
    resources: declared(rendered).map((resource) => ({
      type: resource.type,
      name: resource.name,
      custom: resource.custom,
      ...(resource.parent ? { parent: resource.parent } : {}),
      inputs: redactedInputs(resource),
      secretPaths: resource.secretPaths,
    })),
    outputs: redactedOutputs(rendered),
  };
}

type Inputs = Record<string, unknown>;
/** Key facts of one resource type, as `[label, value]` lines. */
type Summary = (inputs: Inputs) => [string, string][];

function list(value: unknown): Inputs[] {
  return Array.isArray(value) ? (value as Inputs[]) : [];
}

function record(value: unknown): Inputs {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Inputs) : {};
}

function show(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function cloudRunService(inputs: Inputs): [string, string][] {
  const template = record(inputs.template);
  const container = record(list(template.containers)[0]);
  const scaling = record(template.scaling);
  const traffic = list(inputs.traffics)
    .map((entry) => {
      const target = entry.type === "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST" ? "latest" : show(entry.revision);
      return `${target} ${show(entry.percent ?? 0)}%${entry.tag ? ` [${show(entry.tag)}]` : ""}`;
    })
    .join(" · ");
  const probe = (key: string) => {
    const httpGet = record(record(container[key]).httpGet);
    return httpGet.path ? `${show(httpGet.path)}:${show(httpGet.port)}` : "none";
  };
  return [
    ["traffic", traffic],
    ["revision", template.revision ? show(template.revision) : "(named by Cloud Run)"],
    ["image", show(container.image)],
    ["probes", `startup ${probe("startupProbe")}, liveness ${probe("livenessProbe")}`],
    ["instances", `${show(scaling.minInstanceCount)}-${show(scaling.maxInstanceCount)}`],
    ["ingress", show(inputs.ingress)],
    ["labels", show(inputs.labels)],
  ];
}

function urlMap(inputs: Inputs): [string, string][] {
  const weighted = list(record(inputs.defaultRouteAction).weightedBackendServices);
  const lines: [string, string][] = [];
  if (weighted.length > 0) {
    lines.push([
      "weights",
      weighted.map((entry) => `${show(entry.backendService)} ${show(entry.weight)}`).join(" · "),
    ]);
  }
  const redirect = record(inputs.defaultUrlRedirect);
  if (redirect.httpsRedirect) lines.push(["redirect", "HTTP → HTTPS"]);
  if (inputs.description) lines.push(["description", show(inputs.description)]);
  return lines;
}

function alertPolicy(inputs: Inputs): [string, string][] {
  return list(inputs.conditions).flatMap((condition): [string, string][] => {
    const promql = record(condition.conditionPrometheusQueryLanguage);
    return [
      ["query", show(promql.query)],
      ["for", `${show(promql.duration)} (evaluated every ${show(promql.evaluationInterval)})`],
      ["channels", String(list(inputs.notificationChannels).length)],
      ["labels", show(inputs.userLabels)],
    ];
  });
}

function notificationChannel(inputs: Inputs): [string, string][] {
  const lines: [string, string][] = [["channel", `${show(inputs.type)} ${show(inputs.labels ?? {})}`]];
  // Sensitive labels are secret as a whole: printed as `[secret]`, never their value.
  const sensitive = inputs.sensitiveLabels;
  if (typeof sensitive === "string") lines.push(["sensitive", sensitive]);
  for (const [key, value] of Object.entries(record(sensitive))) lines.push([key, show(value)]);
  return lines;
}

function albListener(inputs: Inputs): [string, string][] {
  const lines: [string, string][] = [["port", `${show(inputs.protocol)} ${show(inputs.port)}`]];
  for (const action of list(inputs.defaultActions)) {
    const groups = list(record(action.forward).targetGroups);
    if (groups.length > 0) {
      lines.push(["weights", groups.map((group) => `${show(group.arn)} ${show(group.weight)}`).join(" · ")]);
    } else if (action.type) {
      lines.push(["action", show(action.type)]);
    }
  }
  return lines;
}

function metricAlarm(inputs: Inputs): [string, string][] {
  const queries = list(inputs.metricQueries);
  const period =
    inputs.period ?? queries.map((query) => record(query.metric).period).find((value) => value !== undefined);
  const lines: [string, string][] = [
    ["when", `${show(inputs.comparisonOperator)} ${show(inputs.threshold)}`],
    ["for", `${show(inputs.evaluationPeriods)} × ${show(period ?? "?")} s`],
  ];
  const result = queries.find((query) => query.returnData === true);
  const metric = result?.metric ? record(result.metric) : inputs;
  if (result?.expression) lines.push(["expression", show(result.expression)]);
  else if (metric.metricName) {
    const statistic = metric.stat ?? metric.extendedStatistic ?? metric.statistic;
    lines.push([
      "metric",
      `${show(metric.namespace)} ${show(metric.metricName)} ${show(statistic ?? "")}`.trim(),
    ]);
  }
  return lines;
}

const SUMMARIES: Record<string, Summary> = {
  "gcp:cloudrunv2/service:Service": cloudRunService,
  "gcp:cloudrunv2/serviceIamMember:ServiceIamMember": (inputs) => [
    ["grant", `${show(inputs.role)} → ${show(inputs.member)}`],
  ],
  "gcp:compute/uRLMap:URLMap": urlMap,
  "gcp:compute/regionNetworkEndpointGroup:RegionNetworkEndpointGroup": (inputs) => [
    ["cloud run", show(record(inputs.cloudRun).service)],
  ],
  "gcp:compute/managedSslCertificate:ManagedSslCertificate": (inputs) => [
    ["domains", list(record(inputs.managed).domains).join(", ")],
  ],
  "gcp:compute/globalForwardingRule:GlobalForwardingRule": (inputs) => [["port", show(inputs.portRange)]],
  "gcp:monitoring/alertPolicy:AlertPolicy": alertPolicy,
  "gcp:monitoring/notificationChannel:NotificationChannel": notificationChannel,
  "aws:lb/listener:Listener": albListener,
  "aws:alb/listener:Listener": albListener,
  "aws:cloudwatch/metricAlarm:MetricAlarm": metricAlarm,
  ...MONITORING_SUMMARIES,
};

/** `gcp:cloudrunv2/service:Service` → `gcp:cloudrunv2.Service`; components stay as they are. */
export function shortType(type: string): string {
  const [pkg, module, kind] = type.split(":");
  if (!module || !kind || !module.includes("/")) return type;
  return `${pkg}:${module.split("/")[0]}.${kind}`;
}

function pad(text: string, width: number): string {
  return text.length >= width ? `${text} ` : text.padEnd(width);
}

/** The human listing: one row per resource (type, name, parent) and its key inputs beneath. */
export function formatStage(rendered: RenderedStage): string {
  const resources = declared(rendered);
  const typeWidth = Math.max(4, ...resources.map((resource) => shortType(resource.type).length)) + 2;
  const nameWidth = Math.max(4, ...resources.map((resource) => resource.name.length)) + 2;
  const lines = [
    `stage ${rendered.config.stage} · platform ${rendered.config.platform} · ${resources.length} resources`,
    "",
    `${pad("TYPE", typeWidth)}${pad("NAME", nameWidth)}PARENT`,
  ];
  for (const resource of resources) {
    lines.push(
      `${pad(shortType(resource.type), typeWidth)}${pad(resource.name, nameWidth)}${resource.parent?.name ?? "-"}`,
    );
    const summary = SUMMARIES[resource.type];
    if (!summary) continue;
    for (const [label, value] of summary(redactedInputs(resource))) {
      lines.push(`    ${pad(label, 12)}${value}`);
    }
  }
  lines.push("", "OUTPUTS");
  for (const [key, value] of Object.entries(redactedOutputs(rendered))) {
    lines.push(`    ${pad(key, 16)}${show(value)}`);
  }
  return `${lines.join("\n")}\n`;
}
