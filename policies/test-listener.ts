import type { PolicyResource } from "@pulumi/policy";
import { NoSettingsSchema } from "./config";
import { type IonPolicy, ofType, stackPolicy } from "./define";
import { INGRESS_TYPES, INTERNET, ingressRules, loadBalancerGroups, opensPort } from "./readers/ingress";
import { num, record, text } from "./readers/props";
import { TYPES } from "./types";

/**
 * The ALB's test listener (`ion-listener: test`) forwards to the canary before any check has
 * passed, so only operators may reach it: no rule on the load balancer's security group may admit
 * 0.0.0.0/0 or ::/0 on its port. (The stage schema refuses it too; this is the backstop for
 * stacks edited by hand or by another program.)
 */
export const albTestListenerRestricted = stackPolicy(
  {
    name: "alb-test-listener-restricted",
    description:
      "The ALB's canary test listener (tag ion-listener=test) is reachable only from operator CIDRs, never from 0.0.0.0/0 or ::/0.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
      "List the operators' or CI runners' CIDRs in ion-deploy:aws.alb.testListener.allowedCidrs; never 0.0.0.0/0.",
    settings: NoSettingsSchema,
  },
  (resources, _settings, report, args) => {
    const listeners = ofType(resources, TYPES.lbListener).filter(
      (listener) => text(record(listener.props.tags)["ion-listener"]) === "test",
    );
    if (listeners.length === 0) args.notApplicable("the stack declares no test listener");
    const groups = loadBalancerGroups(resources);
    const rules = ofType(resources, INGRESS_TYPES).flatMap((resource) => ingressRules(resource));
    for (const listener of listeners) {
      const port = num(listener.props.port);
      if (port === undefined) continue;
      for (const rule of rules) {
        const onBalancer = rule.group !== undefined && groups.has(rule.group as PolicyResource);
        const open = rule.cidrs.filter((cidr) => INTERNET.includes(cidr));
        if (!onBalancer || open.length === 0 || !opensPort(rule, port)) continue;
        report(
          `the test listener on port ${port} forwards to the canary before any check has passed, and ${rule.where} opens it to ${open.join(", ")}. Fix: admit only operator CIDRs (ion-deploy:aws.alb.testListener.allowedCidrs).`,
          rule.resource,
        );
      }
    }
  },
);

export const testListenerPolicies: IonPolicy[] = [albTestListenerRestricted];
