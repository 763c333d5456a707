import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { StageConfig } from "../config";
import { awsSettings } from "./settings";

export interface NetworkArgs {
  /** Reads `aws.vpc`: the VPC block, one public and one private subnet per zone, flow log retention. */
  config: StageConfig;
}

/**
 * The stage's VPC (the staging runbook's layout): public subnets for the ALB and one NAT gateway per zone, private
 * subnets that leave only through their own zone's NAT, flow logs of all traffic, and the VPC's
 * default security group stripped of its rules.
 */
export class Network extends pulumi.ComponentResource {
  readonly vpc: aws.ec2.Vpc;
  readonly publicSubnets: aws.ec2.Subnet[];
  readonly privateSubnets: aws.ec2.Subnet[];
  readonly natGateways: aws.ec2.NatGateway[];

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ion-deploy:aws:Network", name, {}, opts);
    const { vpc: settings } = awsSettings(args.config);
    const child = { parent: this };

    this.vpc = new aws.ec2.Vpc(
      name,
      {
        cidrBlock: settings.cidr,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        tags: { Name: name },
      },
      child,
    );
    const vpcId = this.vpc.id;
    new aws.ec2.DefaultSecurityGroup(`${name}-default`, { vpcId, ingress: [], egress: [] }, child);

    const zones = zoneNames(settings.availabilityZones, settings.publicSubnets.length, this);
    const internet = new aws.ec2.InternetGateway(name, { vpcId, tags: { Name: name } }, child);
    const publicRoutes = new aws.ec2.RouteTable(
      `${name}-public`,
      {
        vpcId,
        routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: internet.id }],
        tags: { Name: `${name}-public` },
      },
      child,
    );

    this.publicSubnets = [];
    this.privateSubnets = [];
    this.natGateways = [];
    settings.publicSubnets.forEach((publicCidr, zone) => {
      const availabilityZone = zones.apply((names) => names[zone] as string);
      const suffix = `${zone + 1}`;
      const publicSubnet = new aws.ec2.Subnet(
        `${name}-public-${suffix}`,
        {
          vpcId,
          cidrBlock: publicCidr,
          availabilityZone,
          mapPublicIpOnLaunch: false,
          tags: { Name: `${name}-public-${suffix}`, tier: "public" },
        },
        child,
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-public-${suffix}`,
        { subnetId: publicSubnet.id, routeTableId: publicRoutes.id },
        child,
      );
      const address = new aws.ec2.Eip(
        `${name}-nat-${suffix}`,
        { domain: "vpc", tags: { Name: `${name}-nat-${suffix}` } },
        child,
      );
      const nat = new aws.ec2.NatGateway(
        `${name}-nat-${suffix}`,
        { subnetId: publicSubnet.id, allocationId: address.id, tags: { Name: `${name}-nat-${suffix}` } },
        { ...child, dependsOn: [internet] },
      );

      const privateSubnet = new aws.ec2.Subnet(
        `${name}-private-${suffix}`,
        {
          vpcId,
          cidrBlock: settings.privateSubnets[zone] as string,
          availabilityZone,
          mapPublicIpOnLaunch: false,
          tags: { Name: `${name}-private-${suffix}`, tier: "private" },
        },
        child,
      );
      const privateRoutes = new aws.ec2.RouteTable(
        `${name}-private-${suffix}`,
        {
          vpcId,
          routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }],
          tags: { Name: `${name}-private-${suffix}` },
        },
        child,
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-private-${suffix}`,
        { subnetId: privateSubnet.id, routeTableId: privateRoutes.id },
        child,
      );
      this.publicSubnets.push(publicSubnet);
      this.privateSubnets.push(privateSubnet);
      this.natGateways.push(nat);
    });

    this.declareFlowLogs(name, settings.flowLogRetentionDays);
    this.registerOutputs({
      vpcId,
      publicSubnetIds: this.publicSubnets.map((subnet) => subnet.id),
      privateSubnetIds: this.privateSubnets.map((subnet) => subnet.id),
    });
  }

  /** All accepted and rejected traffic to CloudWatch Logs, through a role that may write only there. */
  private declareFlowLogs(name: string, retentionInDays: number): void {
    const child = { parent: this };
    const logGroup = new aws.cloudwatch.LogGroup(`${name}-flow-logs`, { retentionInDays }, child);
    const role = new aws.iam.Role(
      `${name}-flow-logs`,
      {
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "vpc-flow-logs.amazonaws.com" },
              Action: "sts:AssumeRole",
            },
          ],
        }),
      },
      child,
    );
    new aws.iam.RolePolicy(
      `${name}-flow-logs`,
      {
        role: role.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
              Resource: [logGroup.arn, pulumi.interpolate`${logGroup.arn}:*`],
            },
          ],
        }),
      },
      child,
    );
    new aws.ec2.FlowLog(
      name,
      {
        vpcId: this.vpc.id,
        trafficType: "ALL",
        logDestinationType: "cloud-watch-logs",
        logDestination: logGroup.arn,
        iamRoleArn: role.arn,
        maxAggregationInterval: 60,
      },
      child,
    );
  }
}

/** The configured zones, or the region's first `count` zones that need no opt-in. */
function zoneNames(
  configured: string[] | undefined,
  count: number,
  parent: pulumi.Resource,
): pulumi.Output<string[]> {
  if (configured) return pulumi.output(configured);
  return aws
    .getAvailabilityZonesOutput(
      { state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] },
      { parent },
    )
    .names.apply((names) => {
      if (names.length < count) {
        throw new Error(
          `the region has ${names.length} availability zones but the stage has ${count} subnet pairs; drop subnets or set ion-deploy:aws.vpc.availabilityZones`,
        );
      }
      return names.slice(0, count);
    });
}
