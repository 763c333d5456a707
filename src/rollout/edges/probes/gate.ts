import { resolve } from "node:path";
import type { PreTrafficConfig, StageConfig } from "../../../config";
import type { GateRecord, ProbeOutcome } from "../../core/gate/types";
import { runGateCommand } from "./command";
import { healthProbe } from "./health";
import { rateProbe, type Sleep } from "./rate-probe";
import type { EndpointResolver, Gate, GateEndpoints } from "./types";

/**
 * The two gates from `rollout.preTraffic`. Pre-traffic: health of the canary's own endpoint, then
 * the rate-limit probe of both sides, then the user's command; the first failure stops it (a canary
 * that does not answer /health is not load-probed). Post-promotion: health of the public endpoint.
 * Neither throws: an endpoint that cannot be found is a NO-GO naming why.
 */

export interface GateOptions {
  cfg: StageConfig;
  resolve: EndpointResolver;
  /** The canary release's name (RELEASE of the command). */
  release: string;
  /** Where the command runs (the project directory). */
  projectDir: string;
  sleep: Sleep;
  env?: NodeJS.ProcessEnv;
}

type Step = (endpoints: GateEndpoints, signal?: AbortSignal) => Promise<ProbeOutcome>;

async function runSteps(kind: GateRecord["kind"], options: GateOptions, steps: Step[], signal?: AbortSignal) {
  const probes: ProbeOutcome[] = [];
  let endpoints: GateEndpoints;
  try {
    endpoints = await options.resolve(signal);
  } catch (error) {
    const summary = `cannot find the endpoints: ${(error as Error).message}`;
    return {
      kind,
      passed: false,
      probes: [{ probe: "endpoint", target: options.cfg.stage, passed: false, summary }],
    } as GateRecord;
  }
  for (const step of steps) {
    const outcome = await step(endpoints, signal).catch(
      (error: unknown): ProbeOutcome => ({
        probe: "endpoint",
        target: options.cfg.stage,
        passed: false,
        summary: `probe failed: ${(error as Error).message}`,
      }),
    );
    probes.push(outcome);
    if (!outcome.passed) return { kind, passed: false, probes };
  }
  return { kind, passed: true, probes };
}

function healthPath(cfg: StageConfig, own: string | undefined): string {
  return own ?? cfg.service.healthPath;
}

export function preTrafficSteps(pre: PreTrafficConfig, options: GateOptions): Step[] {
  const { cfg } = options;
  const steps: Step[] = [];
  if (pre.health.enabled) {
    const health = { ...pre.health, path: healthPath(cfg, pre.health.path) };
    steps.push((e, signal) => healthProbe("canary", e.canary, health, signal));
  }
  if (pre.probe.enabled) {
    const probe = { ...pre.probe, path: healthPath(cfg, pre.probe.path) };
    steps.push((e, signal) => rateProbe(e, probe, options.sleep, signal));
  }
  const command = pre.command;
  if (command) {
    steps.push((e, signal) =>
      runGateCommand(
        command,
        {
          canaryUrl: e.canary.url,
          stableUrl: e.stable.url,
          stage: cfg.stage,
          release: options.release,
          cwd: resolve(options.projectDir, command.cwd ?? "."),
          ...(options.env ? { env: options.env } : {}),
        },
        signal,
      ),
    );
  }
  return steps;
}

export function preTrafficGate(options: GateOptions): Gate {
  const pre = options.cfg.rollout.preTraffic;
  const steps = preTrafficSteps(pre, options);
  return {
    kind: "pre-traffic",
    description: `pre-traffic gate: ${steps.length} probe(s) on the canary's own endpoint`,
    check: (signal) => runSteps("pre-traffic", options, steps, signal),
  };
}

export function postPromotionGate(options: GateOptions): Gate {
  const pre = options.cfg.rollout.preTraffic;
  const health = { ...pre.health, path: healthPath(options.cfg, pre.health.path) };
  return {
    kind: "post-promotion",
    description: `post-promotion: ${health.requests} x GET ${health.path} on the public endpoint, all 2xx within ${health.timeoutMs} ms`,
    check: (signal) =>
      runSteps("post-promotion", options, [(e, s) => healthProbe("public", e.public, health, s)], signal),
  };
}
