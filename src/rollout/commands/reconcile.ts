import type { StageConfig } from "../../config";
import { stageRecords } from "../controller/stage-store";
import { type RunnerSeen, runnerOnTarget } from "../controller/traffic-lease";
import { EXIT } from "../core/outcome";
import { isActive, type RolloutState } from "../core/state";
import { describeLeaseHolder } from "../store/lease";
import { type RolloutRecords, UnreadableStateError } from "../store/rollout-records";
import { type CommonOptions, leaseScopeOf, loadConfig, type Streams, stateDirOf } from "./common";
import { actWithoutRunner } from "./operator";
import { defaultOperatorEdges, type OperatorEdges } from "./operator-edges";

/** What reconcile did: the `--json` document's `action`. */
type Reconciled = "reverted" | "revert-failed" | "left-alone" | "nothing-in-progress";

/**
 * `ion-rollout reconcile <stage>`, run on a schedule: a rollout whose runner is gone (its lease
 * lapsed, or its process on this host died) while the platform serves its canary is reverted
 * through the controller's one revert path, with the reason recorded and notified. A live runner
 * is left alone; nothing in progress is one line. The served split decides, never the state's
 * recorded weight.
 */
export async function reconcileCommand(
  stage: string,
  options: CommonOptions,
  io: Streams,
  edges: OperatorEdges = defaultOperatorEdges,
): Promise<number> {
  const cfg = loadConfig(stage, options, io);
  if (!cfg) return EXIT.error;
  const dir = stateDirOf(cfg, options);
  const scope = leaseScopeOf(cfg, options);
  const say = sayer(stage, options, io);
  const runner = await runnerOnTarget(scope);
  const alone = leftAloneFor(stage, runner, edges.clock());
  if (alone) {
    say("left-alone", alone.message, alone.extra);
    return EXIT.ok;
  }
  const records = stageRecords(scope);
  const found = await recordedRollout(records);
  if (found.state && !isActive(found.state)) {
    say("nothing-in-progress", `${stage}: nothing in progress (the last rollout ${found.state.status})`);
    return EXIT.ok;
  }
  const served = await servedCanaryWeight(cfg, scope.projectDir, edges);
  if (!found.state && !found.unreadable && !leftBehindMidRollout(runner, served)) {
    say(
      "nothing-in-progress",
      `${stage}: nothing in progress (no rollout recorded in ${records.description})`,
    );
    return EXIT.ok;
  }
  if (served === 0) {
    say("nothing-in-progress", `${stage}: nothing to revert, the platform serves 0% canary`);
    return EXIT.ok;
  }
  const reason = `reconcile: ${whyNoRunner(runner)}; the platform serves ${served === undefined ? "an unknown weight of" : `${served}%`} canary`;
  const lostRace = (message: string) => {
    say("left-alone", `${stage}: left alone, another actor got there first: ${message}`);
    return EXIT.ok;
  };
  const result = await actWithoutRunner(
    { action: "abort", command: `ion-rollout reconcile ${stage}`, lostRace },
    { cfg, dir, scope },
    (controller) => controller.revertBecause(reason),
    edges,
    options.json ? { ...io, out: () => undefined } : io,
  );
  if (typeof result === "number") return result;
  const failed = result.outcome === "failed";
  say(
    failed ? "revert-failed" : "reverted",
    `${stage}: ${failed ? "REVERT FAILED" : "reverted"}: ${reason}`,
    {
      state: result.state,
    },
  );
  return failed ? EXIT.error : EXIT.reverted;
}

/** One line (stdout; a revert on stderr), or with --json one document naming the action. */
function sayer(stage: string, options: CommonOptions, io: Streams) {
  return (action: Reconciled, message: string, extra: Record<string, unknown> = {}) => {
    if (options.json) io.out(`${JSON.stringify({ stage, action, message, ...extra })}\n`);
    else if (action !== "reverted" && action !== "revert-failed") io.out(`${message}\n`);
    else io.err(`${message}\n`);
  };
}

/**
 * With no state in the store (a directory store on another machine, as a fresh CI checkout sees it), a lease
 * its runner never released, on a platform serving a canary step below 100%, is a rollout whose
 * runner died: a runner that ends (promoted, reverted, held by an operator's interrupt) releases its
 * lease, and one held at a CI job's deadline hands it over (left alone until its window lapses).
 */
function leftBehindMidRollout(runner: RunnerSeen, served: number | undefined): boolean {
  return runner.holder !== undefined && served !== undefined && served > 0 && served < 100;
}

/**
 * A live runner, or a rollout handed over at a CI job's deadline whose window has not lapsed (the
 * next job's `resume` takes it over): what reconcile says when it leaves the target alone.
 */
function leftAloneFor(
  stage: string,
  runner: RunnerSeen,
  now: number,
): { message: string; extra: Record<string, unknown> } | undefined {
  if (runner.alive)
    return {
      message: `${stage}: left alone, a live runner holds the lease: ${runner.description}`,
      extra: { runner: runner.description },
    };
  const handover = runner.handover;
  if (!handover?.live) return undefined;
  const seconds = Math.ceil(handover.leftMs / 1000);
  const lapsesAt = new Date(now + handover.leftMs).toISOString();
  return {
    message: `${stage}: left alone, rollout ${handover.rolloutId} was handed over at a CI job's deadline and waits for \`ion-rollout resume ${stage}\`: its handover lapses in ${seconds} s (about ${lapsesAt}), then reconcile reverts it; holder ${runner.description}`,
    extra: { handover: { rolloutId: handover.rolloutId, lapsesInSeconds: seconds, lapsesAt } },
  };
}

/** Why no runner counts, in the words the record keeps. */
function whyNoRunner(runner: RunnerSeen): string {
  if (runner.handover && runner.holder) {
    const ago = Math.round(-runner.handover.leftMs / 1000);
    return `the handover of rollout ${runner.handover.rolloutId} lapsed ${ago} s ago with no job resuming it: holder ${describeLeaseHolder(runner.holder)}`;
  }
  if (!runner.holder)
    return runner.description ? `the lease is ${runner.description}` : "no runner holds a lease";
  const ago = Math.round((runner.sinceRenewalMs ?? 0) / 1000);
  const what = runner.notAlive === "gone" ? "runner's process is gone" : "runner's lease expired";
  return `${what}: holder ${runner.description}, last renewed ${ago} s ago`;
}

/** The recorded rollout; an unreadable state counts as possibly in progress (the served split decides). */
async function recordedRollout(
  records: RolloutRecords,
): Promise<{ state?: RolloutState; unreadable?: boolean }> {
  try {
    const state = await records.readState();
    return state ? { state } : {};
  } catch (error) {
    if (error instanceof UnreadableStateError) return { unreadable: true };
    throw error;
  }
}

/** The platform's served canary weight; undefined when it cannot be read (then the revert goes ahead). */
async function servedCanaryWeight(
  cfg: StageConfig,
  projectDir: string,
  edges: OperatorEdges,
): Promise<number | undefined> {
  try {
    return await (await edges.driverFor(cfg, projectDir)).currentCanaryWeight();
  } catch {
    return undefined;
  }
}
