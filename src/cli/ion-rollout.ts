import { Command, CommanderError, Option } from "commander";
import { version } from "../../package.json";
import type { BacktestOptions } from "../rollout/commands/backtest";
import type { CommonOptions } from "../rollout/commands/common";
import type { OperatorOptions, PromoteOptions } from "../rollout/commands/operator";
import type { StatusOptions } from "../rollout/commands/status";
import { fail, processStreams, type Streams } from "../rollout/commands/streams";
import type { TraceOptions } from "../rollout/commands/trace";
import { EXIT } from "../rollout/core/outcome";
import { commandModules } from "./command-modules";
import { parseSeconds } from "./seconds-option";

const EXAMPLES = `
Examples:
  $ ion-rollout plan prod                          # the 5-step schedule and the runbook thresholds
  $ ion-rollout start prod --image us-central1-docker.pkg.dev/internal-ai-innovation/ion/ion-api:1.5.1
  $ ion-rollout status prod --watch                # follow a rollout another runner drives
  $ ion-rollout list prod                          # past rollouts: outcome, weight, last reason, report
  $ ion-rollout explain prod                       # query, value, threshold and sample size behind each decision
  $ ion-rollout backtest test/traces/adequate-traffic-three-2pct.json --stage prod --json
  $ ion-rollout trace prod --canary ion-api-v1-6-0 --stable ion-api-v1-5-1 --from 2026-11-23T09:00:00Z --to 2026-11-23T10:30:00Z -o tuesday.json
  $ ion-rollout backtest tuesday.json --stage prod --rule runbook   # where the runbook's literal rule decides otherwise
  $ ion-rollout pause prod                         # hold at this weight (checks go on) until resume or promote
  $ ion-rollout promote prod --yes                 # one step on now; --full: 100% now
  $ ion-rollout abort prod                         # revert to 0% canary now
  $ ion-rollout retire prod                        # after the retention period: drop the old side
  $ ion-rollout reconcile prod                     # revert a canary whose runner is gone (scheduled in CI)

Exit codes: 0 promoted (or the command succeeded), 2 reverted, 3 held or timed out (or a backtest
ended without an outcome), 1 error (invalid config: the message on stderr, nothing applied).`;

const BACKTEST_EXAMPLES = `
Examples:
  $ ion-rollout backtest test/traces/low-traffic-degraded.json --stage prod
  $ ion-rollout backtest .ion-rollout/stages/prod/journals/<id>.jsonl --stage prod  # replay a past rollout's journal
  $ ion-rollout backtest tuesday.json --stage prod --compare Pulumi.prod.yaml candidate.yaml
  $ ion-rollout backtest tuesday.json --stage prod --rule runbook --json
  $ ion-rollout backtest tuesday.json --stage prod --rule consecutive     # the stage as configured vs rollout.analysis: consecutive

Exit codes: the replay's outcome (0 promoted, 2 reverted, 3 incomplete); with --compare/--rule 0
once the comparison is printed; 1 on an unreadable trace or config.`;

const TRACE_EXAMPLES = `
Examples:
  $ ion-rollout trace rehearsal --canary ion-api-v1-6-0 --stable ion-api-v1-5-0 --from now-5m --to now -o bad.json
  $ ion-rollout trace prod --canary ion-api-00042-abc --stable ion-api-00041-xyz \\
      --from 2026-11-23T09:00:00Z --to 2026-11-23T10:30:00Z -o tuesday.json
  $ ion-rollout trace staging --canary green --stable blue --from 1795424400 --to 1795428000 --step 120

--from is when the first step's weight was applied (the journal's first record time minus its at);
each check at from + k*step covers the step before it. prod needs Google credentials
(roles/monitoring.viewer), staging AWS credentials (cloudwatch:GetMetricData). docs/rollout.md.`;

/**
 * Runs a command's action and sets the exit code; an unusable state or lock file is one line.
 * Each action loads its command's module when it runs (command-modules.ts).
 */
type Run = (code: number | Promise<number>) => Promise<void>;

function common(command: Command): Command {
  return command
    .option("--config <file>", "read this stack config file instead of Pulumi.<stage>.yaml")
    .option("--json", "machine output: JSON, or newline-delimited JSON events while a rollout runs")
    .option(
      "--state-dir <dir>",
      "local rollout directory: reports, and the records (state, journal, requests, lease) when rollout.store is a directory without a path (default: rollout.stateDir, relative to the stage file)",
    )
    .addOption(
      new Option(
        "--on-interrupt <what>",
        "on SIGINT/SIGTERM: revert to 0% (default); hold the weight (no runner judges it: `reconcile` reverts it); or handover, for a CI job's deadline: hold and leave the lease to the next job's `resume` of this rollout for rollout.lease.handoverSeconds",
      ).choices(["revert", "hold", "handover"]),
    );
}

export function buildProgram(io: Streams = processStreams): Command {
  const program = new Command("ion-rollout")
    .description(
      "Step a canary through the stage's weights, judge every check against the stage's thresholds, and promote, hold or revert by itself.",
    )
    .version(version, "-V, --version", "print the version of ion-rollout")
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError()
    .exitOverride()
    .addHelpText("after", EXAMPLES);
  const run: Run = (code) =>
    Promise.resolve(code)
      .catch(async (error: unknown) => {
        // A state that cannot be used, a lease held or lost: one line naming it and the fix.
        const [{ LeaseHeldError, LeaseLostError }, { UnreadableStateError }] = await Promise.all([
          commandModules.lease(),
          commandModules.records(),
        ]);
        if (
          error instanceof UnreadableStateError ||
          error instanceof LeaseHeldError ||
          error instanceof LeaseLostError
        )
          return fail(io, error.message);
        throw error;
      })
      .then((c) => {
        process.exitCode = c;
      });

  offlineCommands(program, run, io);
  rolloutCommands(program, run, io);
  operatorCommands(program, run, io);
  common(program.command("explain"))
    .description(
      "Print every decision record of the rollout: query, value, threshold, sample size, verdict, action.",
    )
    .argument("<stage>", "stage (stack) name")
    .action((stage: string, options: CommonOptions) =>
      run(commandModules.explain().then((m) => m.explainCommand(stage, options, io))),
    );

  return program;
}

/** Commands that read config, traces or metrics and change nothing: plan, backtest, trace. */
function offlineCommands(program: Command, run: Run, io: Streams): void {
  common(program.command("plan"))
    .description(
      "Print the schedule (steps, bake, evidence, checks) and thresholds of a stage; touches nothing.",
    )
    .argument("<stage>", "stage (stack) name: reads Pulumi.<stage>.yaml")
    .action((stage: string, options: CommonOptions) =>
      run(commandModules.plan().then((m) => m.planCommand(stage, options, io))),
    );

  common(program.command("backtest"))
    .description(
      "Replay a recorded trace of checks, or a past rollout's journal, through the real analysis and print what the runner would have done; --compare/--rule replay it under two configs and show where they differ.",
    )
    .argument(
      "<trace>",
      "trace JSON ({ checks: [ { at, canary: {requests, errors, p95Ms, memory, cpu}, stable: {...} } ] }, e.g. from `ion-rollout trace`) or a journal <stateDir>/stages/<stage>/journals/<rollout id>.jsonl",
    )
    .requiredOption("--stage <stage>", "the stage whose thresholds and steps apply")
    .option("--compare <configs...>", "two stack config files A B: replay the trace under each and compare")
    .option(
      "--rule <rule>",
      "compare the stage's config with itself under another analysis rule: sequential (rollout.analysis: sequential, the evidence engine on cumulative counts), consecutive (rollout.analysis: consecutive, N breaching evidence blocks in a row), runbook (the runbook's literal N in a row on each check's raw rate)",
    )
    .addHelpText("after", BACKTEST_EXAMPLES)
    .action((trace: string, options: BacktestOptions) =>
      run(commandModules.backtest().then((m) => m.backtestCommand(trace, options, io))),
    );

  common(program.command("trace"))
    .description(
      "Record a backtest trace of a past canary from the stage's metrics store (Prometheus, Cloud Monitoring PromQL, CloudWatch) with the runner's own queries: per check and side, requests, errors, P95, memory, CPU; gaps stay null.",
    )
    .argument("<stage>", "stage (stack) name: its platform says where the metrics are")
    .requiredOption(
      "--canary <revision>",
      "the canary's revision (Cloud Run revision_name; AWS: the release colour)",
    )
    .requiredOption("--stable <revision>", "the stable side's revision")
    .requiredOption("--from <time>", "when the rollout started: ISO 8601 with a zone, epoch seconds, now-2h")
    .requiredOption("--to <time>", "end of the trace (not in the future)")
    .option(
      "--step <seconds>",
      "seconds between checks, each over the step before it (default: the check interval)",
    )
    .option("-o, --output <file>", "write the trace here (default: stdout)")
    .option("--metrics-url <url>", "read another Prometheus-compatible API root than the stage's")
    .addHelpText("after", TRACE_EXAMPLES)
    .action((stage: string, options: TraceOptions) =>
      run(commandModules.trace().then((m) => m.traceCommand(stage, options, io))),
    );
}

/** Commands that drive or follow a rollout: start, resume, status, list. */
function rolloutCommands(program: Command, run: Run, io: Streams): void {
  common(program.command("start"))
    .description("Start a rollout of a new canary image: step weights, bake, judge, promote or revert.")
    .argument("<stage>", "stage (stack) name")
    .requiredOption("--image <ref>", "canary container image (tag or digest)")
    .option("--name <release-name>", "canary release name (default: derived from the image tag)")
    .action((stage: string, options: CommonOptions & { image: string; name?: string }) =>
      run(commandModules.drive().then((m) => m.startCommand(stage, options, io))),
    );

  common(program.command("resume"))
    .description(
      "Continue a rollout from its durable state after a crash, interrupt or hold (the bake clock carries on), or end a pause of a live runner.",
    )
    .argument("<stage>", "stage (stack) name")
    .action((stage: string, options: CommonOptions) =>
      run(commandModules.drive().then((m) => m.resumeCommand(stage, options, io))),
    );

  common(program.command("status"))
    .description("Show the rollout's state and its latest decision.")
    .argument("<stage>", "stage (stack) name")
    .option("--watch", "refresh every check interval until the rollout ends")
    .option(
      "--live",
      "also ask the platform which canary weight it serves (HAProxy, or the stack through the pulumi CLI)",
    )
    .action((stage: string, options: StatusOptions) =>
      run(commandModules.status().then((m) => m.statusCommand(stage, options, io))),
    );

  common(program.command("list"))
    .description(
      "List the stage's rollouts, oldest first: start, canary, outcome and weight, the last reason, the report.",
    )
    .argument("<stage>", "stage (stack) name")
    .action((stage: string, options: CommonOptions) =>
      run(commandModules.list().then((m) => m.listCommand(stage, options, io))),
    );
}

/** An operator's decisions on a rollout: abort, promote, pause, retire. */
function operatorCommands(program: Command, run: Run, io: Streams): void {
  common(program.command("abort"))
    .description("Revert now: canary weight 0, recorded in the state and journal.")
    .argument("<stage>", "stage (stack) name")
    .option(
      "--force",
      "if a live runner does not act within the wait, stop it (SIGKILL) and revert from here",
    )
    .option(
      "--wait-seconds <n>",
      "how long to wait for a live runner (default 120; 30 with --force)",
      parseSeconds,
    )
    .action((stage: string, options: OperatorOptions) =>
      run(commandModules.operator().then((m) => m.abortCommand(stage, options, io))),
    );

  common(program.command("promote"))
    .description(
      "Advance the running rollout one step now, without waiting for its GO (the next step is judged as usual); --full: canary weight 100, skipping the remaining steps. Asks for confirmation unless --yes.",
    )
    .argument("<stage>", "stage (stack) name")
    .option("--full", "skip every remaining step: canary weight 100 now")
    .option("--yes", "do not ask for confirmation")
    .option("--wait-seconds <n>", "how long to wait for a live runner (default 120)", parseSeconds)
    .action((stage: string, options: PromoteOptions) =>
      run(commandModules.operator().then((m) => m.promoteCommand(stage, options, io))),
    );

  common(program.command("pause"))
    .description(
      "Hold the running rollout at its current weight until `resume` or `promote`: checks go on and a breach still reverts, but no step advances.",
    )
    .argument("<stage>", "stage (stack) name")
    .option("--wait-seconds <n>", "how long to wait for the runner (default 120)", parseSeconds)
    .action((stage: string, options: OperatorOptions) =>
      run(commandModules.operator().then((m) => m.pauseCommand(stage, options, io))),
    );

  common(program.command("reconcile"))
    .description(
      "Revert a rollout whose runner is gone (its lease lapsed, or its process here died) while the platform serves its canary; a live runner is left alone. Exit 0 nothing to do, 2 reverted, 1 error.",
    )
    .argument("<stage>", "stage (stack) name")
    .action((stage: string, options: CommonOptions) =>
      run(commandModules.reconcile().then((m) => m.reconcileCommand(stage, options, io))),
    );

  common(program.command("retire"))
    .description(
      "After a promotion and rollout.retainOldSeconds (24 h in prod), take the old side out of the stack: the canary alone at 100%.",
    )
    .argument("<stage>", "stage (stack) name")
    .option("--now", "do not wait for the retention period to end")
    .action((stage: string, options: CommonOptions & { now?: boolean }) =>
      run(commandModules.retire().then((m) => m.retireCommand(stage, options, io))),
    );
}

/**
 * A reader that closed the pipe early (`ion-rollout --help | head -3`) ends the output, not the
 * process with a stack trace; a running rollout's own guard (commands/interrupts.ts) still sees it.
 */
function quietOnClosedPipe(error: NodeJS.ErrnoException): void {
  if (error.code !== "EPIPE" && error.code !== "ERR_STREAM_DESTROYED") process.exitCode = EXIT.error;
}

/**
 * An error no command turned into its own message: what it says, for people; its stack only with
 * ION_ROLLOUT_DEBUG=1 (a bug report wants it, an operator with missing credentials does not).
 */
export function describeUnhandled(error: unknown, env: NodeJS.ProcessEnv = process.env): string {
  if (!(error instanceof Error)) return `ion-rollout: ${String(error)}\n`;
  if (env.ION_ROLLOUT_DEBUG) return `${error.stack ?? error.message}\n`;
  return `ion-rollout: ${error.message}\n(ION_ROLLOUT_DEBUG=1 shows where it was raised)\n`;
}

async function main(): Promise<void> {
  process.stdout.on("error", quietOnClosedPipe);
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.error;
    } else {
      process.stderr.write(describeUnhandled(error));
      process.exitCode = EXIT.error;
    }
  }
  // SDK clients (Google auth, sockets) can keep handles open; leave once the output is flushed.
  const exit = () => process.exit(process.exitCode ?? EXIT.ok);
  if (process.stdout.destroyed || !process.stdout.writable) exit();
  else process.stdout.write("", exit);
}

const launcher = require.main?.filename ?? "";
if (require.main === module || launcher.endsWith("ion-rollout.cjs")) void main();
