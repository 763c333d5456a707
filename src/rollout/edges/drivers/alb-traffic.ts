import {
  type Action,
  DescribeListenersCommand,
  DescribeTargetGroupsCommand,
  type ElasticLoadBalancingV2Client,
  type Listener,
  ModifyListenerCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { sideWeights, type TrafficApi } from "./traffic-api";

export interface AlbTrafficOptions {
  client: Pick<ElasticLoadBalancingV2Client, "send">;
  /** Target group ARN per side, from the stack output `targetGroupArns`. */
  targetGroups: { stable: string; canary: string };
  /** The weighted listener; found from the target groups' load balancer when absent. */
  listenerArn?: string;
}

/**
 * AWS: the weights of the listener's forward action between the stable and canary target groups,
 * set with `ModifyListener` (the whole default action list, as the API asks, with only the two
 * weights changed) and read with `DescribeListeners`. The listener is the one of the target
 * groups' load balancer whose forward action holds both groups (not the canary-only test listener).
 */
export class AlbTraffic implements TrafficApi {
  readonly description: string;
  private listenerArn?: string;

  constructor(private readonly options: AlbTrafficOptions) {
    this.description = `ELBv2 API (listener weights of ${options.targetGroups.canary.split(":").at(-1)})`;
    this.listenerArn = options.listenerArn;
  }

  async servedCanaryWeight(): Promise<number> {
    const forward = weightedForward(await this.listener(), this.options.targetGroups);
    const weightOf = (arn: string) => forward.find((tg) => tg.TargetGroupArn === arn)?.Weight ?? 0;
    const stable = weightOf(this.options.targetGroups.stable);
    const canary = weightOf(this.options.targetGroups.canary);
    return stable + canary === 0 ? 0 : Math.round((canary * 100) / (stable + canary));
  }

  async setCanaryWeight(weight: number): Promise<void> {
    const wanted = sideWeights(weight);
    const listener = await this.listener();
    const { stable, canary } = this.options.targetGroups;
    const actions = (listener.DefaultActions ?? []).map((action): Action => {
      if (action.Type !== "forward" || !holdsBoth(action, this.options.targetGroups)) return action;
      const groups = (action.ForwardConfig?.TargetGroups ?? []).map((tg) => ({
        ...tg,
        Weight:
          tg.TargetGroupArn === stable
            ? wanted.stable
            : tg.TargetGroupArn === canary
              ? wanted.canary
              : tg.Weight,
      }));
      // With several target groups the action names them in ForwardConfig only.
      const { TargetGroupArn: _single, ...rest } = action;
      return { ...rest, ForwardConfig: { ...action.ForwardConfig, TargetGroups: groups } };
    });
    await this.options.client.send(
      new ModifyListenerCommand({ ListenerArn: listener.ListenerArn, DefaultActions: actions }),
    );
    const served = await this.servedCanaryWeight();
    if (served !== weight)
      throw new Error(
        `listener ${listener.ListenerArn} serves canary ${served}% after ModifyListener, not ${weight}%`,
      );
  }

  private async listener(): Promise<Listener> {
    const { client, targetGroups } = this.options;
    if (this.listenerArn) {
      const found = (await client.send(new DescribeListenersCommand({ ListenerArns: [this.listenerArn] })))
        .Listeners?.[0];
      if (!found) throw new Error(`listener ${this.listenerArn} not found`);
      return found;
    }
    const group = (
      await client.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [targetGroups.stable] }))
    ).TargetGroups?.[0];
    const balancer = group?.LoadBalancerArns?.[0];
    if (!balancer) throw new Error(`target group ${targetGroups.stable} is attached to no load balancer`);
    const listeners =
      (await client.send(new DescribeListenersCommand({ LoadBalancerArn: balancer }))).Listeners ?? [];
    const weighted = listeners.find((l) =>
      (l.DefaultActions ?? []).some((a) => a.Type === "forward" && holdsBoth(a, targetGroups)),
    );
    if (!weighted?.ListenerArn) {
      throw new Error(
        `no listener of ${balancer} forwards to both ${targetGroups.stable} and ${targetGroups.canary}`,
      );
    }
    this.listenerArn = weighted.ListenerArn;
    return weighted;
  }
}

function holdsBoth(action: Action, targetGroups: { stable: string; canary: string }): boolean {
  const arns = (action.ForwardConfig?.TargetGroups ?? []).map((tg) => tg.TargetGroupArn);
  return arns.includes(targetGroups.stable) && arns.includes(targetGroups.canary);
}

function weightedForward(listener: Listener, targetGroups: { stable: string; canary: string }) {
  const action = (listener.DefaultActions ?? []).find(
    (a) => a.Type === "forward" && holdsBoth(a, targetGroups),
  );
  if (!action)
    throw new Error(`listener ${listener.ListenerArn} has no forward action to both target groups`);
  return action.ForwardConfig?.TargetGroups ?? [];
}
