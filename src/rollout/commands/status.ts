import type { StageConfig } from "../../config";
import { stageRecords } from "../controller/stage-store";
import { type RunnerSeen, runnerOnTarget } from "../controller/traffic-lease";
import { EXIT } from "../core/outcome";
import { outcomeWord } from "../core/outcome-word";
import { buildPlan } from "../core/plan";
import { formatRecord } from "../core/record";
import { isActive, type RolloutState } from "../core/state";
import {
  type CommonOptions,
  leaseScopeOf,
  loadConfig,
  noRollout,
  projectDirOf,
  type Streams,
} from "./common";
import { defaultOperatorEdges, type OperatorEdges } from "./operator-edges";

function statusExit(state: RolloutState | undefined): number {
  if (!state) return EXIT.error;
  if (state.status === "promoted") return EXIT.promoted;
  if (state.status === "reverted") return EXIT.reverted;
  if (state.status === "held") return EXIT.held;
  if (state.status === "failed") return EXIT.error;
  return EXIT.ok;
}

/** Before step 1: the runner is deploying the canary at 0%, or its pre-traffic gate is asking it. */
function phaseText(state: RolloutState): string {
  if (state.status !== "running" || !state.phase) return "";
  const name = state.releases.canary.name;
  return state.phase === "deploying"
    ? ` (deploying ${name} at 0%)`
    : ` (verifying ${name} at 0%: pre-traffic gate)`;
}

export function formatStatus(cfg: StageConfig, state: RolloutState, now: number, holder?: string): string {
  const plan = buildPlan(cfg);
  const step = plan.steps[state.core.step.index];
  const elapsed = Math.max(0, Math.round((now - state.startedAt) / 1000 - state.core.step.startedAt));
  const lines = [
    `${state.stage}: ${outcomeWord(state)}${state.heldBy ? ` (${state.heldBy})` : ""}${phaseText(state)}${state.pausedBy ? `, PAUSED by ${state.pausedBy}` : ""} - ${state.releases.canary.name} (${state.releases.canary.image}) over ${state.releases.stable.name}`,
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

/** A state this long without an update, with its runner apparently alive, is stale: the runner may be wedged. */
export function staleAfterMs(cfg: StageConfig): number {
  return (3 * cfg.rollout.checkIntervalSeconds + 600) * 1000;
}

/** Why `--watch` should stop following an active rollout, or undefined to keep watching. */
function watchEnds(cfg: StageConfig, state: RolloutState, runner: { alive: boolean }, now: number) {
  const stage = cfg.stage;
  if (!runner.alive) {
    return {
      exit: state.status === "held" ? EXIT.held : EXIT.error,
      message: `the runner is gone (no live runner holds the lease) and the rollout is ${state.status} at ${state.weight}%: \`ion-rollout resume ${stage}\` continues it, \`ion-rollout abort ${stage}\` reverts it`,
    };
  }
  const quiet = now - state.updatedAt;
  if (quiet > staleAfterMs(cfg)) {
    return {
      exit: EXIT.error,
      message: `the state has not changed for ${Math.round(quiet / 1000)} s although its runner is alive: it may be wedged; \`ion-rollout abort ${stage} --force\` stops it and reverts`,
    };
  }
  return undefined;
}

export interface StatusOptions extends CommonOptions {
  watch?: boolean;
  /** Also ask the platform which canary weight it serves (loads the stage's traffic driver). */
  live?: boolean;
}

export async function statusCommand(
  stage: string,
  options: StatusOptions,
  io: Streams,
  sleep = (ms: number) => new Promise((r) => setTimeout(r, ms)),
  clock: () => number = Date.now,
  driverFor: OperatorEdges["driverFor"] = defaultOperatorEdges.driverFor,
): Promise<number> {
  const cfg = loadConfig(stage, options, io);
  if (!cfg) return EXIT.error;
  // One scope for the whole watch: its store (and a bucket's Google token) is opened once.
  const scope = leaseScopeOf(cfg, options);
  const records = stageRecords(scope);
  for (;;) {
    const state = await records.readState();
    if (!state)
      return noRollout(io, options, stage, `no rollout of ${stage} recorded in ${records.description}`);
    const runner = await runnerOnTarget(scope);
    const holder = runner.alive ? runner.description : undefined;
    const served = options.live ? await servedWeight(cfg, projectDirOf(options), driverFor) : undefined;
    const handover = handoverSeen(runner);
    if (options.json)
      io.out(
        `${JSON.stringify({ state, runner: holder ?? null, ...(handover ? { handover } : {}), ...(served ? { served } : {}) })}\n`,
      );
    else {
      if (options.watch && io.isTTY) io.out("\x1b[2J\x1b[H");
      io.out(formatStatus(cfg, state, clock(), holder));
      if (handover)
        io.out(
          `  handed over at a CI job's deadline: waits for \`ion-rollout resume ${stage}\` of rollout ${handover.rolloutId}, lapses in ${handover.lapsesInSeconds} s (then reconcile reverts it)\n`,
        );
      if (served) io.out(formatServed(state, served));
    }
    if (!options.watch || !isActive(state)) return statusExit(state);
    const end = watchEnds(cfg, state, runner, clock());
    if (end) {
      io.err(`${end.message}\n`);
      return end.exit;
    }
    await sleep(Math.min(5000, cfg.rollout.checkIntervalSeconds * 1000));
  }
}

/** A live handover of the stage's lease (a CI job's deadline), as status shows it. */
function handoverSeen(runner: RunnerSeen): { rolloutId: string; lapsesInSeconds: number } | undefined {
  const handover = runner.handover;
  if (!handover?.live) return undefined;
  return { rolloutId: handover.rolloutId, lapsesInSeconds: Math.ceil(handover.leftMs / 1000) };
}

/** What the platform says it serves: a weight, or why it could not be read. */
type Served = { weight: number } | { error: string };

async function servedWeight(
  cfg: StageConfig,
  projectDir: string,
  driverFor: OperatorEdges["driverFor"],
): Promise<Served> {
  try {
    const weight = await (await driverFor(cfg, projectDir)).currentCanaryWeight();
    return weight === undefined ? { error: "the platform did not say" } : { weight };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** The deployed truth beside the recorded state, and what to do when they disagree. */
export function formatServed(state: RolloutState, served: Served): string {
  if ("error" in served) return `  platform: canary weight unknown (${served.error})\n`;
  if (served.weight === state.weight) return `  platform: serves ${served.weight}% canary, as recorded\n`;
  return `  platform: serves ${served.weight}% canary, but the state records ${state.weight}%: \`ion-rollout resume ${state.stage}\` reconciles (0% is recorded as a revert), \`ion-rollout abort ${state.stage}\` reverts\n`;
}
