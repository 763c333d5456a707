import type { StageConfig } from "../config";
import { awsSettings } from "./settings";

/** DocumentDB's and Redis's fixed listening ports. */
export const DOCUMENTDB_PORT = 27017;
export const REDIS_PORT = 6379;
/** Tasks reach AWS APIs (ECR, CloudWatch Logs, Secrets Manager, S3) over HTTPS through the NAT gateways. */
export const AWS_API_PORT = 443;

/** The security groups of a stage. */
export type SecurityGroupName = "alb" | "app" | "documentDb" | "redis" | "monitoring";

/** One side of an allowed flow: a security group of the stage, or an IPv4 block. */
export type Peer = { group: SecurityGroupName } | { cidr: string };

/** One allowed TCP flow. A group-to-group flow becomes an egress rule on `from` and an ingress rule on `to`. */
export interface AllowedFlow {
  from: Peer;
  to: Peer;
  port: number;
  description: string;
}

/**
 * Every flow the stage allows, least privilege (the staging runbook's list): clients → ALB 80/443, ALB → app on the
 * service port, app → DocumentDB and Redis, monitoring → app on the service port (the app serves its
 * metrics there), ALB / operator networks → Prometheus and Grafana on the monitoring group, app →
 * AWS APIs on 443. Nothing else: no SSH, and only the ALB faces the internet.
 */
export function allowedFlows(cfg: StageConfig): AllowedFlow[] {
  const aws = awsSettings(cfg);
  const group = (name: SecurityGroupName): Peer => ({ group: name });
  const flows: AllowedFlow[] = [];
  for (const cidr of aws.alb.ingressCidrs) {
    flows.push({ from: { cidr }, to: group("alb"), port: 80, description: "HTTP (redirected to HTTPS)" });
    flows.push({ from: { cidr }, to: group("alb"), port: 443, description: "HTTPS" });
  }
  flows.push({
    from: group("alb"),
    to: group("app"),
    port: cfg.service.port,
    description: "requests and health checks",
  });
  flows.push({
    from: group("app"),
    to: group("documentDb"),
    port: DOCUMENTDB_PORT,
    description: "DocumentDB",
  });
  flows.push({ from: group("app"), to: group("redis"), port: REDIS_PORT, description: "Redis" });
  flows.push(...monitoringFlows(cfg));
  flows.push({
    from: group("app"),
    to: { cidr: "0.0.0.0/0" },
    port: AWS_API_PORT,
    description: "AWS APIs through NAT",
  });
  return flows;
}

/** Prometheus scrapes the app's service port; people reach Prometheus / Grafana on the monitoring group. */
function monitoringFlows(cfg: StageConfig): AllowedFlow[] {
  const { monitoring } = awsSettings(cfg);
  const flows: AllowedFlow[] = [
    {
      from: { group: "monitoring" },
      to: { group: "app" },
      port: cfg.service.port,
      description: "metrics scrape",
    },
  ];
  const sources: Peer[] = [
    ...(monitoring.fromLoadBalancer ? [{ group: "alb" } as const] : []),
    ...monitoring.operatorCidrs.map((cidr) => ({ cidr })),
  ];
  for (const from of sources) {
    for (const port of monitoring.ports) {
      flows.push({ from, to: { group: "monitoring" }, port, description: "Prometheus / Grafana" });
    }
  }
  return flows;
}

export function peerName(peer: Peer): string {
  return "group" in peer ? peer.group : peer.cidr;
}
