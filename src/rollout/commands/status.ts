import type { StageConfig } from "../../config";
import { EXIT } from "../core/outcome";
import { buildPlan } from "../core/plan";
import { formatRecord } from "../core/record";
import { isActive, type RolloutState } from "../core/state";
import { describeHolder, lockTargetOf, readLock } from "../store/lock";
import { readState } from "../store/state";
import { type CommonOptions, fail, loadConfig, type Streams, stateDirOf } from "./common";

function statusExit(state: RolloutState | undefined): number {
  if (!state) return EXIT.error;
  if (state.status === "promoted") return EXIT.promoted;
  if (state.status === "reverted") return EXIT.reverted;
  if (state.status === "held") return EXIT.held;
  if (state.status === "failed") return EXIT.error;
  return EXIT.ok;
}

export function formatStatus(cfg: StageConfig, state: RolloutState, now: number, holder?: string): string {
  const plan = buildPlan(cfg);
  const step = plan.steps[state.core.step.index];
  const elapsed = Math.max(0, Math.round((now - state.startedAt) / 1000 - state.core.step.startedAt));
  const lines = [
    `${state.stage}: ${state.status.toUpperCase()}${state.heldBy ? ` (${state.heldBy})` : ""} - ${state.releases.canary.name} (${state.releases.canary.image}) over ${state.releases.stable.name}`,
    `  weight ${state.weight}%, step ${state.core.step.index + 1}/${plan.steps.length}${step ? ` (${step.weight}%)` : ""}, started ${new Date(state.startedAt).toISOString()}`,
  ];
  if (state.status === "running" || state.status === "held") {
    lines.push(
      `  bake ${elapsed}/${step?.bakeSeconds ?? 0} s, evidence ${state.core.step.requests}/${step?.minRequests ?? 0} requests, ${state.core.step.checks} checks at this step`,
    );
    lines.push(`  runner: ${holder ?? `none (resume with \`ion-rollout resume ${state.stage}\`)`}`);
  }
  if (state.reason)
    lines.push(`  reason: ${state.reason}${state.causedBy ? ` (decision #${state.causedBy})` : ""}`);
  if (state.retiredAt) {
    lines.push(
      `  the old side (${state.releases.stable.name}) was retired at ${new Date(state.retiredAt).toISOString()}; the stack declares only ${state.releases.canary.name}`,
    );
  } else if (state.retireOldAfter) {
    lines.push(
      `  the old side (${state.releases.stable.name}) may be retired after ${new Date(state.retireOldAfter).toISOString()}`,
    );
  }
  if (state.lastDecision) lines.push("", "latest decision:", formatRecord(state.lastDecision));
  return `${lines.join("\n")}\n`;
}

export async function statusCommand(
  stage: string,
  options: CommonOptions & { watch?: boolean },
  io: Streams,
  sleep = (ms: number) => new Promise((r) => setTimeout(r, ms)),
): Promise<number> {
  const cfg = loadConfig(stage, options, io);
  if (!cfg) return EXIT.error;
  const dir = stateDirOf(cfg, options);
  for (;;) {
    const state = readState(dir, stage);
    if (!state) return fail(io, `no rollout of ${stage} recorded in ${dir}`);
    let holder: string | undefined;
    try {
      const lock = readLock(dir, lockTargetOf(cfg));
      holder = lock ? describeHolder(lock) : undefined;
    } catch {
      holder = "unreadable lock file";
    }
    if (options.json) io.out(`${JSON.stringify({ state, runner: holder ?? null })}\n`);
    else {
      if (options.watch && io.isTTY) io.out("\x1b[2J\x1b[H");
      io.out(formatStatus(cfg, state, Date.now(), holder));
    }
    if (!options.watch || !isActive(state) || (state.status === "held" && !holder)) return statusExit(state);
    await sleep(Math.min(5000, cfg.rollout.checkIntervalSeconds * 1000));
  }
}
