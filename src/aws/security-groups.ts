import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { StageConfig } from "../config";
import { type AllowedFlow, allowedFlows, type Peer, peerName, type SecurityGroupName } from "./traffic-rules";

export interface SecurityGroupsArgs {
  /** Reads the service port, `aws.alb.ingressCidrs` and `aws.monitoring.ports`. */
  config: StageConfig;
  vpcId: pulumi.Input<string>;
}

const PURPOSE: Record<SecurityGroupName, string> = {
  alb: "the application load balancer",
  app: "the ECS tasks of both releases",
  documentDb: "the DocumentDB cluster",
  redis: "the Redis replication group",
  monitoring: "Prometheus and Grafana, which scrape the app",
};

/**
 * One security group per tier and one rule resource per allowed flow (`allowedFlows`), so each
 * rule can be read, tested and checked by policy on its own. A group with no rule allows nothing:
 * the provider removes AWS's default allow-all egress.
 */
export class SecurityGroups extends pulumi.ComponentResource {
  readonly groups: Record<SecurityGroupName, aws.ec2.SecurityGroup>;

  constructor(name: string, args: SecurityGroupsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ion-deploy:aws:SecurityGroups", name, {}, opts);
    const child = { parent: this };
    const group = (tier: SecurityGroupName) =>
      new aws.ec2.SecurityGroup(
        `${name}-${tier}`,
        {
          vpcId: args.vpcId,
          description: `ion-deploy ${args.config.stage}: ${PURPOSE[tier]}`,
          revokeRulesOnDelete: true,
          tags: { Name: `${name}-${tier}` },
        },
        child,
      );
    this.groups = {
      alb: group("alb"),
      app: group("app"),
      documentDb: group("documentDb"),
      redis: group("redis"),
      monitoring: group("monitoring"),
    };
    for (const flow of allowedFlows(args.config)) this.declareFlow(name, flow);
    this.registerOutputs({
      groupIds: Object.fromEntries(Object.entries(this.groups).map(([tier, sg]) => [tier, sg.id])),
    });
  }

  private declareFlow(name: string, flow: AllowedFlow): void {
    const child = { parent: this };
    const ruleName = `${name}-${peerName(flow.from)}-to-${peerName(flow.to)}-${flow.port}`.replace(
      /[./]/g,
      "-",
    );
    const common = {
      ipProtocol: "tcp",
      fromPort: flow.port,
      toPort: flow.port,
      description: flow.description,
    };
    if ("group" in flow.from) {
      new aws.vpc.SecurityGroupEgressRule(
        `${ruleName}-out`,
        { ...common, securityGroupId: this.groups[flow.from.group].id, ...this.peer(flow.to) },
        child,
      );
    }
    if ("group" in flow.to) {
      new aws.vpc.SecurityGroupIngressRule(
        `${ruleName}-in`,
        { ...common, securityGroupId: this.groups[flow.to.group].id, ...this.peer(flow.from) },
        child,
      );
    }
  }

  private peer(peer: Peer): { referencedSecurityGroupId: pulumi.Output<string> } | { cidrIpv4: string } {
    return "group" in peer
      ? { referencedSecurityGroupId: this.groups[peer.group].id }
      : { cidrIpv4: peer.cidr };
  }
}
