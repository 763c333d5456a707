import { rmSync } from "node:fs";
import { setFaults } from "../../rehearsal/apps";
import { type Environment, startEnvironment } from "../../rehearsal/environment";
import { type Load, startLoad } from "../../rehearsal/load";
import { type CliRun, runCli } from "../../rehearsal/runner-cli";
import { sleep } from "../../rehearsal/wait";
import type { DecisionRecord } from "../../src/rollout/core/record";
import type { RolloutState } from "../../src/rollout/core/state";
import { builtIonRollout } from "../support/built-cli";
import { readJournal, readState } from "../support/records";
import { PROJECT_DIR, type TestStage, testStage } from "./fixtures";

/**
 * One real rehearsal environment per fault-test file (apps, HAProxy, Prometheus, steady load),
 * reset between tests, and every `ion-rollout` process a test starts killed after it.
 */

/**
 * A shorter plan than the rehearsal's, same check interval and thresholds: a good rollout takes
 * ~15 s. These files test what happens to the process, the lock, the state and the platform (kills,
 * signals, stopped Prometheus, failed applies), not the judgement: they judge with the runbook's
 * consecutive rule, which decides in seconds at this traffic, and skip the pre-traffic gate.
 * The sequential analysis and the gate run end to end in `trace-replay`, `faults-gate` and
 * `npm run rehearse`.
 */
export const FAST_STEPS = { steps: [10, 50, 100], bakeSeconds: [6, 6, 0] };
export const FAST_PLAN = {
  ...FAST_STEPS,
  analysis: "consecutive",
  preTraffic: { enabled: false },
};

export interface Harness {
  stage: TestStage;
  env: Environment;
  load: Load;
  stateDir: string;
  /** `ion-rollout <args> --config <stage file>` (the run's built CLI) in its own process group, output captured. */
  cli(args: string[], stageFile?: string): CliRun;
  /** `start` of the stage's canary. */
  start(extra?: string[], stageFile?: string): CliRun;
  state(): Promise<RolloutState | undefined>;
  journal(): Promise<DecisionRecord[]>;
  /**
   * Until HAProxy serves a canary weight that `matches` (its runtime API, asked independently of
   * the runner). Fails with the run's output as soon as `run` exits first; no clock of its own.
   */
  untilWeight(matches: (weight: number) => boolean, run?: CliRun): Promise<number>;
  /** Until the journal holds a record that `matches`; fails with the run's output if `run` exits first. */
  untilRecord(matches: (record: DecisionRecord) => boolean, run?: CliRun): Promise<DecisionRecord>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Polls an observable (HAProxy's weight, the journal) until it shows what is awaited. The run
 * exiting first is a failure with its output; the test's own timeout is the only clock.
 */
async function until<T>(run: CliRun | undefined, probe: () => Promise<T | undefined>): Promise<T> {
  let exited: number | undefined;
  void run?.exited.then((code) => {
    exited = code;
  });
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (exited !== undefined) throw new Error(`ion-rollout exited ${exited} first:\n${run?.output()}`);
    await sleep(50);
  }
}

export async function openHarness(overrides: Record<string, unknown> = {}): Promise<Harness> {
  const stage = await testStage({ rollout: FAST_PLAN, ...overrides });
  const env = await startEnvironment({
    cfg: stage.cfg,
    workDir: stage.workDir,
    projectDir: PROJECT_DIR,
    previousCanary: stage.cfg.releases.canary,
  });
  const load = startLoad({
    url: `${env.layout.frontendUrl}/`,
    requestsPerSecond: stage.cfg.local?.loadRequestsPerSecond ?? 200,
  });
  const stateDir = stage.cfg.rollout.stateDir;
  const runs: CliRun[] = [];
  const killRuns = async () => {
    for (const run of runs.splice(0)) {
      if (run.child.exitCode === null && run.child.signalCode === null) {
        try {
          process.kill(-(run.child.pid as number), "SIGKILL");
        } catch {
          // Already gone.
        }
      }
      await run.exited;
    }
  };
  const harness: Harness = {
    stage,
    env,
    load,
    stateDir,
    cli(args, stageFile = stage.stageFile) {
      const run = runCli(PROJECT_DIR, [...args, "--config", stageFile], {
        detached: true,
        bin: builtIonRollout(),
      });
      runs.push(run);
      return run;
    },
    start(extra = [], stageFile) {
      const { image, name } = stage.cfg.releases.canary;
      return harness.cli(["start", "rehearsal", "--image", image, "--name", name, ...extra], stageFile);
    },
    state: () => readState(stateDir, "rehearsal"),
    journal: () => readJournal(stateDir, "rehearsal"),
    untilWeight: (matches, run) =>
      until(run, async () => {
        const weight = await env.driver.currentCanaryWeight().catch(() => undefined);
        return weight !== undefined && matches(weight) ? weight : undefined;
      }),
    untilRecord: (matches, run) =>
      until(run, async () => (await readJournal(stateDir, "rehearsal")).find(matches)),
    async reset() {
      await killRuns();
      rmSync(stateDir, { recursive: true, force: true });
      await setFaults(env.sides.canary, { errorRate: 0, addedLatencyMs: 0, memory: null, healthStatus: 200 });
      await env.driver.apply({
        canaryWeight: 0,
        releases: stage.cfg.releases,
        rolloutInProgress: false,
        reason: "test reset",
      });
    },
    async close() {
      await killRuns();
      await load.stop();
      await env.stop();
      stage.cleanup();
    },
  };
  return harness;
}
