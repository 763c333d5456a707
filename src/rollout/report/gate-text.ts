import type { StageConfig } from "../../config";

/** `plan`'s lines for the pre-traffic gate and the post-promotion check (no endpoint is asked). */
export function describeGates(cfg: StageConfig): string[] {
  const pre = cfg.rollout.preTraffic;
  if (!pre.enabled)
    return ["Pre-traffic gate: off (rollout.preTraffic.enabled: false); no post-promotion check"];
  const path = (own: string | undefined) => own ?? cfg.service.healthPath;
  const lines = [
    "Pre-traffic gate (before the first step, on the canary's own endpoint; a failure stays at 0% and exits 2):",
  ];
  lines.push(`  endpoint     ${canaryEndpoint(cfg)}`);
  const { health, probe, command } = pre;
  if (health.enabled)
    lines.push(
      `  health       ${health.requests} x GET ${path(health.path)}, all 2xx within ${health.timeoutMs} ms`,
    );
  if (probe.enabled) {
    lines.push(
      `  probe        ${probe.requestsPerSide} requests per side to ${path(probe.path)}, ${probe.spacingMs} ms apart; canary success >= ${+(probe.minSuccessRate * 100).toFixed(1)}% (P95 of both sides reported)`,
    );
  }
  if (command)
    lines.push(`  command      ${command.run} (timeout ${command.timeoutSeconds} s; exit 0 passes)`);
  if (!health.enabled && !probe.enabled && !command) lines.push("  no probe enabled");
  lines.push(
    pre.postPromotionCheck
      ? `Post-promotion check: ${health.requests} x GET ${path(health.path)} on the public endpoint before PROMOTED; a failure reverts`
      : "Post-promotion check: off",
  );
  return lines;
}

function canaryEndpoint(cfg: StageConfig): string {
  const given = cfg.rollout.preTraffic.endpoints.canary;
  if (given) return `${given} (rollout.preTraffic.endpoints.canary)`;
  if (cfg.platform === "local") return "the canary server's own address in HAProxy (the canary app's port)";
  if (cfg.platform === "gcp") {
    const auth = cfg.gcp?.public ? "" : ", with an ID token";
    return cfg.gcp?.mode === "services"
      ? `the canary service's own URL (stack output canaryUrl${auth})`
      : `the canary revision's tagged URL canary---${cfg.service.name}-…run.app (stack output canaryUrl${auth})`;
  }
  const test = cfg.aws?.alb.testListener;
  return test
    ? `the ALB's test listener https://<albDnsName>:${test.port}${cfg.rollout.preTraffic.acceptSelfSignedCanaryCert ? " (self-signed certificate accepted)" : ""}`
    : "none: declare aws.alb.testListener or set rollout.preTraffic.endpoints.canary";
}
