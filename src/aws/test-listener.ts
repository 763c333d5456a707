import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { StageConfig, TestListenerConfig } from "../config";
import { awsSettings } from "./settings";

/** Tag the policy pack reads to find the canary-only test listener. */
export const LISTENER_TAG = "ion-listener";
export const TEST_LISTENER = "test";

export interface CanaryTestListenerArgs {
  config: StageConfig;
  test: TestListenerConfig;
  loadBalancerArn: pulumi.Input<string>;
  /** The canary role's target group: the test listener forwards here whatever the weights. */
  canaryTargetGroupArn: pulumi.Input<string>;
  /** The ALB's security group: the operators' CIDRs are admitted on the test port only. */
  securityGroupId: pulumi.Input<string>;
}

/**
 * The pre-traffic gate's way in on AWS: a second HTTPS listener (default :8443) whose only action
 * forwards to the canary target group, as CodeDeploy's test-traffic route does
 * (https://docs.aws.amazon.com/codedeploy/latest/userguide/tutorial-ecs-with-hooks-create-second-listener.html).
 * HTTPS needs a certificate and a security policy
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/create-https-listener): the
 * public listener's unless `testListener.certificateArn` is set. The ALB's security group must
 * admit the new listener port (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-update-security-groups.html):
 * one ingress rule per operator CIDR, never 0.0.0.0/0 (the schema and the policy
 * `alb-test-listener-restricted` both refuse it). The ALB already reaches the app port, so no
 * egress rule is added.
 */
export class CanaryTestListener extends pulumi.ComponentResource {
  readonly listener: aws.lb.Listener;

  constructor(name: string, args: CanaryTestListenerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ion-deploy:aws:CanaryTestListener", name, {}, opts);
    const child = { parent: this };
    const alb = awsSettings(args.config).alb;
    const { test } = args;
    this.listener = new aws.lb.Listener(
      name,
      {
        loadBalancerArn: args.loadBalancerArn,
        port: test.port,
        protocol: "HTTPS",
        sslPolicy: alb.tlsPolicy,
        certificateArn: test.certificateArn ?? alb.certificateArn,
        defaultActions: [{ type: "forward", targetGroupArn: args.canaryTargetGroupArn }],
        tags: { [LISTENER_TAG]: TEST_LISTENER },
      },
      child,
    );
    test.allowedCidrs.forEach((cidr, index) => {
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-operators-${index}`,
        {
          securityGroupId: args.securityGroupId,
          ipProtocol: "tcp",
          fromPort: test.port,
          toPort: test.port,
          cidrIpv4: cidr,
          description: `pre-traffic gate: test listener ${test.port} (canary only) from an operator CIDR`,
        },
        child,
      );
    });
    this.registerOutputs({ testListenerArn: this.listener.arn });
  }
}
