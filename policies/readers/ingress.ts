import type { PolicyResource } from "@pulumi/policy";
import { TYPES } from "../types";
import { list, num, type Props, records, text } from "./props";

/** One ingress permission, whichever of the three AWS resource shapes declares it. */
/** A resource as a resource policy (no dependencies) or a stack policy sees it. */
export interface IngressSource {
  type: string;
  props: Props;
  propertyDependencies?: Record<string, PolicyResource[]>;
}

export interface IngressRule<R extends IngressSource = IngressSource> {
  /** The resource that declares it (a security group, or a standalone rule). */
  resource: R;
  where: string;
  /** "-1" (all traffic), "tcp", "udp", ... lowercased. */
  protocol: string;
  fromPort: number;
  toPort: number;
  /** IPv4 and IPv6 CIDR sources; other sources (security groups, prefix lists) are not listed. */
  cidrs: string[];
  /** The security group the rule opens (the group itself for inline rules), when known. */
  group?: R | PolicyResource;
}

export const INTERNET = ["0.0.0.0/0", "::/0"];

function protocolOf(value: unknown): string {
  const protocol = String(value ?? "-1").toLowerCase();
  return protocol === "all" || protocol === "-1" ? "-1" : protocol === "6" ? "tcp" : protocol;
}

function rule<R extends IngressSource>(
  resource: R,
  where: string,
  raw: Props,
  protocolKey: string,
  cidrs: unknown[],
  group: R | PolicyResource | undefined,
): IngressRule<R> {
  const protocol = protocolOf(raw[protocolKey]);
  const all = protocol === "-1";
  return {
    resource,
    where,
    protocol,
    fromPort: all ? 0 : (num(raw.fromPort) ?? 0),
    toPort: all ? 65_535 : (num(raw.toPort) ?? num(raw.fromPort) ?? 65_535),
    cidrs: cidrs.filter((cidr): cidr is string => typeof cidr === "string"),
    group,
  };
}

/** The security group a standalone rule attaches to, from the engine's property dependencies. */
function attachedGroup(resource: IngressSource): PolicyResource | undefined {
  return (resource.propertyDependencies?.securityGroupId ?? []).find(
    (dep) => dep.type === TYPES.securityGroup,
  );
}

/** Every ingress permission a resource declares; [] for anything else. */
export function ingressRules<R extends IngressSource>(resource: R): IngressRule<R>[] {
  const props = resource.props;
  switch (resource.type) {
    case TYPES.securityGroup:
      return records(props.ingress).map((entry, index) =>
        rule(
          resource,
          `ingress ${index + 1}`,
          entry,
          "protocol",
          [...list(entry.cidrBlocks), ...list(entry.ipv6CidrBlocks)],
          resource,
        ),
      );
    case TYPES.securityGroupRule:
      if (text(props.type) !== "ingress") return [];
      return [
        rule(
          resource,
          "rule",
          props,
          "protocol",
          [...list(props.cidrBlocks), ...list(props.ipv6CidrBlocks)],
          attachedGroup(resource),
        ),
      ];
    case TYPES.securityGroupIngressRule:
      return [
        rule(
          resource,
          "rule",
          props,
          "ipProtocol",
          [props.cidrIpv4, props.cidrIpv6],
          attachedGroup(resource),
        ),
      ];
    default:
      return [];
  }
}

export const INGRESS_TYPES: readonly string[] = [
  TYPES.securityGroup,
  TYPES.securityGroupRule,
  TYPES.securityGroupIngressRule,
];

/** Whether the rule lets traffic reach the port (TCP, or every protocol). */
export function opensPort(
  ingress: Pick<IngressRule, "protocol" | "fromPort" | "toPort">,
  port: number,
): boolean {
  return (
    (ingress.protocol === "tcp" || ingress.protocol === "-1") &&
    ingress.fromPort <= port &&
    port <= ingress.toPort
  );
}

export function portRange(ingress: Pick<IngressRule, "protocol" | "fromPort" | "toPort">): string {
  if (ingress.protocol === "-1") return "all traffic";
  return ingress.fromPort === ingress.toPort
    ? `${ingress.protocol} ${ingress.fromPort}`
    : `${ingress.protocol} ${ingress.fromPort}-${ingress.toPort}`;
}

/** Security groups the stack's load balancers use, from their `securityGroups` dependencies. */
export function loadBalancerGroups(resources: PolicyResource[]): Set<PolicyResource> {
  const groups = new Set<PolicyResource>();
  for (const balancer of resources.filter((resource) =>
    (TYPES.loadBalancer as readonly string[]).includes(resource.type),
  )) {
    for (const dep of balancer.propertyDependencies.securityGroups ?? []) groups.add(dep);
  }
  return groups;
}
