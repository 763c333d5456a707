import { resolve } from "node:path";
import type { RolloutController } from "../controller/controller";
import { takeTrafficLease } from "../controller/traffic-lease";
import { EXIT } from "../core/outcome";
import type { RolloutState } from "../core/state";
import { duration } from "../report/plan-text";
import { writeReports } from "../report/report-files";
import { type Lease, LeaseHeldError } from "../store/lease";
import {
  type CommonOptions,
  fail,
  leaseScopeOf,
  loadConfig,
  projectDirOf,
  recordsOf,
  type Streams,
  stateDirOf,
} from "./common";
import { defaultOperatorEdges, type OperatorEdges, operatorController, operatorName } from "./operator-edges";
import { formatStatus } from "./status";

/**
 * retire: after a promotion and its retention period (`rollout.retainOldSeconds`), takes the old
 * side out of the stack (`oldSideRetired`: canary alone at 100%). `--now` skips the wait. It acts
 * only when the platform serves 100% canary, whatever the recorded status says.
 */
export async function retireCommand(
  stage: string,
  options: CommonOptions & { now?: boolean },
  io: Streams,
  edges: OperatorEdges = defaultOperatorEdges,
): Promise<number> {
  const cfg = loadConfig(stage, options, io);
  if (!cfg) return EXIT.error;
  const dir = stateDirOf(cfg, options);
  const records = recordsOf(cfg, options);
  const found = await records.readState();
  const now = edges.clock();
  const where = records.description;
  const refusal = retireRefusal(stage, where, found, now, options.now === true, cfg.rollout.retainOldSeconds);
  if (refusal?.ok) {
    io.out(`${refusal.message}\n`);
    return EXIT.ok;
  }
  if (refusal) return fail(io, refusal.message);
  let lease: Lease;
  try {
    lease = await takeTrafficLease(leaseScopeOf(cfg, options), { command: `ion-rollout retire ${stage}` });
  } catch (error) {
    if (error instanceof LeaseHeldError) return fail(io, error.message);
    throw error;
  }
  try {
    // Read again under the lease: another command may have started a rollout meanwhile.
    const state = await records.readState();
    if (state?.status !== "promoted" || state.id !== found?.id) {
      return fail(io, `the rollout of ${stage} changed while retire waited for the lease; nothing applied`);
    }
    const left = (state.retireOldAfter ?? 0) - edges.clock();
    const early = left > 0 ? ` (--now, ${duration(Math.ceil(left / 1000))} early)` : "";
    const reason = `retire ${state.releases.stable.name} after ${duration(cfg.rollout.retainOldSeconds)}${early} by ${operatorName("retire")}`;
    const place = { cfg, records, projectDir: projectDirOf(options) };
    const controller = await operatorController(place, state, edges);
    const notServed = await notServingCanary(controller, state, stage);
    if (notServed) return fail(io, notServed);
    try {
      await controller.retire(reason);
    } catch (error) {
      return fail(
        io,
        `retire failed to take ${state.releases.stable.name} out of ${stage}: ${(error as Error).message}`,
      );
    }
    writeReports(resolve(dir, "reports"), controller.state, await records.readJournal(state.id));
    if (options.json) io.out(`${JSON.stringify({ state: controller.state })}\n`);
    else io.out(formatStatus(cfg, controller.state, edges.clock()));
    return EXIT.ok;
  } finally {
    await lease.release();
  }
}

/** Why retire must not act on what the platform serves: anything but 100% canary (the truth, whatever the state says). */
async function notServingCanary(
  controller: RolloutController,
  state: RolloutState,
  stage: string,
): Promise<string | undefined> {
  const served = await controller.servedWeight();
  if ("weight" in served && served.weight === 100) return undefined;
  const what =
    "weight" in served ? `serves ${served.weight}% canary` : `cannot tell its weight (${served.error})`;
  return `the platform ${what}, not 100%: retiring ${state.releases.stable.name} would move every user onto ${state.releases.canary.name}; nothing applied. The state says promoted, the platform disagrees: check it (\`ion-rollout status ${stage}\`)`;
}

/** Why retire must not act now (ok: nothing to do, already retired), or undefined to go ahead. */
function retireRefusal(
  stage: string,
  where: string,
  found: RolloutState | undefined,
  now: number,
  early: boolean,
  retainSeconds: number,
): { ok: boolean; message: string } | undefined {
  if (!found) return { ok: false, message: `no rollout of ${stage} recorded in ${where}; nothing to retire` };
  if (found.status !== "promoted") {
    return {
      ok: false,
      message: `${stage} is ${found.status}, not promoted: only the old side of a promoted rollout can be retired (\`ion-rollout status ${stage}\`)`,
    };
  }
  const old = found.releases.stable.name;
  if (found.retiredAt) {
    return {
      ok: true,
      message: `${stage}: the old side (${old}) was already retired at ${new Date(found.retiredAt).toISOString()}`,
    };
  }
  const left = (found.retireOldAfter ?? 0) - now;
  if (left <= 0 || early) return undefined;
  return {
    ok: false,
    message: `the old side (${old}) is kept for ${duration(retainSeconds)} after the promotion, until ${new Date(found.retireOldAfter ?? 0).toISOString()}: ${duration(Math.ceil(left / 1000))} left. Retire it then, or now with --now`,
  };
}
