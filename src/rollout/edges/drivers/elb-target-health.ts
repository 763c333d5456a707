import type { StageConfig } from "../../../config";
import type { TargetHealthReader } from "./healthy-targets";

/** `DescribeTargetHealth` through the AWS SDK (credentials from the default chain). */
export function elbTargetHealth(region: string): TargetHealthReader {
  return {
    async targetStates(targetGroupArn, signal) {
      const { ElasticLoadBalancingV2Client, DescribeTargetHealthCommand } =
        require("@aws-sdk/client-elastic-load-balancing-v2") as typeof import("@aws-sdk/client-elastic-load-balancing-v2");
      const client = new ElasticLoadBalancingV2Client({ region });
      const answer = await client.send(
        new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }),
        signal ? { abortSignal: signal } : {},
      );
      return (answer.TargetHealthDescriptions ?? []).map((d) => d.TargetHealth?.State ?? "unknown");
    },
  };
}

/**
 * How long a new task's target may take to turn healthy: the target group's healthy threshold ×
 * its interval (the checks a target must pass in a row), twice over, and a minute for the task
 * to start and register.
 */
export function healthyTargetTimeoutMs(cfg: StageConfig): number {
  const check = cfg.aws?.alb.healthCheck;
  const interval = check?.intervalSeconds ?? 30;
  const threshold = check?.healthyThreshold ?? 2;
  return (2 * threshold * interval + 60) * 1000;
}
