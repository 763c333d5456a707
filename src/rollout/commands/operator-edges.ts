import type { StageConfig } from "../../config";
import { RolloutController } from "../controller/controller";
import { buildPlan } from "../core/plan";
import type { RolloutState } from "../core/state";
import { loadEdges } from "../edges/load";
import { notifierFromEnv } from "../edges/notify";
import { abortableSleep, type Sleep } from "../edges/sleep";
import type { Notifier, TrafficDriver } from "../edges/types";
import type { RolloutRecords } from "../store/rollout-records";

/** How an operator command reaches the platform; tests pass a fake driver and a fake clock. */
export interface OperatorEdges {
  /** The stage's driver; relative paths in its config resolve against `projectDir` (the stage file's). */
  driverFor: (cfg: StageConfig, projectDir: string) => Promise<TrafficDriver>;
  clock: () => number;
  sleep: Sleep;
  /** Where the action is notified (default: the webhooks the environment names). */
  notifier?: Notifier;
}

export const defaultOperatorEdges: OperatorEdges = {
  driverFor: async (cfg, projectDir) => {
    const { buildDriver } = loadEdges();
    return buildDriver(cfg, { workDir: projectDir, onOutput: (text) => process.stderr.write(text) });
  },
  clock: Date.now,
  sleep: abortableSleep,
};

/** The operator's name for records: `$USER (ion-rollout <action>)`. */
export function operatorName(action: string): string {
  return `${process.env.USER ?? "operator"} (ion-rollout ${action})`;
}

/**
 * The controller an operator command acts through, so an abort, a promote or a retire gets the
 * same retries, journal record, notification and report as the runner's own transitions.
 */
export async function operatorController(
  where: { cfg: StageConfig; records: RolloutRecords; projectDir: string },
  state: RolloutState,
  edges: OperatorEdges,
  /** Where the controller's warnings go (a failed write, a retried revert): the operator's terminal. */
  warn?: (message: string) => void,
): Promise<RolloutController> {
  const { cfg, records } = where;
  return new RolloutController(
    {
      cfg,
      plan: buildPlan(cfg),
      driver: await edges.driverFor(cfg, where.projectDir),
      notifier: edges.notifier ?? notifierFromEnv(process.env),
      records,
      clock: edges.clock,
      sleep: edges.sleep,
      ...(warn ? { emit: (event) => event.type === "warning" && warn(event.message) } : {}),
    },
    state,
  );
}
