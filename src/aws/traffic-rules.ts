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
 * Every flow the stage allows, least privilege (seed 004): clients → ALB 80/443, ALB → app on the
 * service port, app → DocumentDB and Redis, monitoring → app, app → AWS APIs on 443. Nothing else:
 * no SSH, and no CIDR may reach anything but the ALB.
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
  for (const port of aws.monitoring.ports) {
    flows.push({ from: group("monitoring"), to: group("app"), port, description: "monitoring scrape" });
  }
  flows.push({
    from: group("app"),
    to: { cidr: "0.0.0.0/0" },
    port: AWS_API_PORT,
    description: "AWS APIs through NAT",
  });
  return flows;
}

export function peerName(peer: Peer): string {
  return "group" in peer ? peer.group : peer.cidr;
}
