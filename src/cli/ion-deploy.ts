import { basename } from "node:path";
import { performance } from "node:perf_hooks";
import { Command, CommanderError } from "commander";
import {
  CONFIG_NAMESPACE,
  ConfigError,
  isSecureValue,
  parseStageConfig,
  readStageFile,
  type SecretKey,
  type StageConfig,
} from "../config";
import type { RenderedStage } from "../synth/render";

/** Exit codes CI can branch on. */
export const EXIT = { ok: 0, invalidConfig: 1, failed: 2, policyViolations: 3 } as const;

export interface SynthOptions {
  json?: boolean;
  config?: string;
  /** Run the policy pack (policies/) over the rendered stage; mandatory violations exit 3. */
  policies?: boolean;
  /** A policy pack config (`pulumi preview --policy-pack-config` format); implies `policies`. */
  policyConfig?: string;
}

/** What `synth` writes; the real streams in the CLI, buffers in tests. */
export interface Streams {
  out: (text: string) => void;
  err: (text: string) => void;
}

const processStreams: Streams = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/**
 * Validates a stage's config, renders its program under Pulumi mocks and prints what it declares.
 * Returns the exit code; prints nothing on stdout unless the stage rendered.
 */
export async function synth(
  stage: string,
  options: SynthOptions,
  io: Streams = processStreams,
): Promise<number> {
  let config: StageConfig;
  let rendered: RenderedStage;
  let missingSecrets: SecretKey[];
  let loadMs = 0;
  let renderMs = 0;
  const checkPolicies = options.policies === true || options.policyConfig !== undefined;
  let policyConfig: import("../../policies/pack-config").PolicyPackConfig = {};
  try {
    const file = readStageFile(stage, options.config);
    config = parseStageConfig(stage, file.raw, basename(file.path));
    if (config.platform === "local") {
      io.err(
        `${stage} is a local stage (platform: local): it has no Pulumi resources to render. Run \`npm run rehearse\` for the rehearsal, or \`ion-rollout plan ${stage}\` for its schedule and thresholds\n`,
      );
      return EXIT.invalidConfig;
    }
    if (options.policyConfig !== undefined) {
      // Checked before rendering: a bad limit in the policy config is a config error too.
      const packConfig = require("../../policies/pack-config") as typeof import("../../policies/pack-config");
      const { ALL_POLICIES } = require("../../policies/all") as typeof import("../../policies/all");
      try {
        policyConfig = packConfig.readPolicyPackConfig(options.policyConfig, ALL_POLICIES);
      } catch (error) {
        if (!(error instanceof packConfig.PolicyConfigError)) throw error;
        io.err(`${error.message}\n`);
        return EXIT.invalidConfig;
      }
    }
    missingSecrets = requiredSecrets(config).filter((key) => !isSecureValue(file.raw[key]));
    // Loaded only now: the Pulumi SDKs take most of a second, which --help and a bad config skip.
    const loading = performance.now();
    const { renderStage } = require("../synth/render") as typeof import("../synth/render");
    const rendering = performance.now();
    loadMs = rendering - loading;
    rendered = await renderStage(config);
    renderMs = performance.now() - rendering;
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(`${error.message}\n`);
      return EXIT.invalidConfig;
    }
    throw error;
  }
  let exitCode: number = EXIT.ok;
  /** Sections checks add to the --json document, beside stage, platform, resources and outputs. */
  const jsonSections: Record<string, unknown> = {};
  /** Text checks append to the readable listing. */
  const textSections: string[] = [];

  // Checks over the rendered stage go here: they fill the sections above and may raise `exitCode`.
  if (checkPolicies) {
    const { runPolicies } = require("../../policies/harness") as typeof import("../../policies/harness");
    const { formatPolicyReport } = require("../../policies/report") as typeof import("../../policies/report");
    const run = await runPolicies(rendered, { config: policyConfig });
    textSections.push(formatPolicyReport(run));
    jsonSections.policies = { outcomes: run.outcomes, violations: run.violations };
    if (run.mandatory.length > 0) {
      exitCode = EXIT.policyViolations;
      io.err(
        `policy check failed: ${run.mandatory.length} mandatory violation(s)\n${run.mandatory
          .map((violation) => `  - ${violation.policy} on ${violation.resource?.name ?? "the stack"}\n`)
          .join("")}`,
      );
    }
  }

  const { formatStage, stageJson } = require("../synth/print") as typeof import("../synth/print");
  io.out(
    options.json
      ? `${JSON.stringify({ ...stageJson(rendered), ...jsonSections }, null, 2)}\n`
      : [formatStage(rendered), ...textSections].join("\n"),
  );
  io.err(
    `rendered ${config.stage} (${config.platform}) in ${Math.round(renderMs)} ms (+ ${Math.round(loadMs)} ms loading the Pulumi SDKs)\n`,
  );
  for (const key of missingSecrets) {
    io.err(
      `warning: ${CONFIG_NAMESPACE}:${key} is not set (rendered with a placeholder); \`pulumi up\` will fail until you run \`pulumi config set --secret ${CONFIG_NAMESPACE}:${key} <value> --stack ${config.stage}\`\n`,
    );
  }
  return exitCode;
}

/** Secrets the stage's notification settings need at deploy time. */
function requiredSecrets(config: StageConfig): SecretKey[] {
  const keys: SecretKey[] = [];
  if (config.notifications.slackChannel !== undefined) keys.push("slackAuthToken");
  if (config.notifications.pagerduty) keys.push("pagerdutyServiceKey");
  return keys;
}

const SYNTH_EXAMPLES = `
Examples:
  $ ion-deploy synth prod                   # table of what Pulumi.prod.yaml declares
  $ ion-deploy synth prod --json | jq '.resources[] | select(.type == "gcp:cloudrunv2/service:Service") | .inputs.traffics'
  $ ion-deploy synth staging --config ./candidate.yaml
  $ ion-deploy synth prod --policies        # also run the CrossGuard pack (policies/) in-process
  $ ion-deploy synth prod --policy-config ./org-policy-config.json

No cloud credentials and no Pulumi CLI are needed: the stage program runs under Pulumi's mocks, so
provider-computed values (URLs, ids, addresses) are placeholders. Secret config values are never
printed; they show as [secret].

Exit codes: 0 rendered, 1 invalid config (message on stderr, nothing on stdout), 2 usage error or
any other failure, 3 a mandatory policy violation (--policies).`;

export function buildProgram(
  io: Streams = processStreams,
  setExitCode: (code: number) => void = (code) => {
    process.exitCode = code;
  },
): Command {
  const program = new Command("ion-deploy")
    .description("Release runbooks as code: render and check ion-deploy stages offline.")
    .showHelpAfterError()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    // Usage errors exit 2, so exit 1 always means "the config is invalid".
    .exitOverride();
  program
    .command("synth")
    .description(
      "Validate Pulumi.<stage>.yaml and list the resources the stage declares, with their key inputs (traffic split, LB weights, alert queries).",
    )
    .argument("<stage>", "stage (stack) name: reads Pulumi.<stage>.yaml in the current directory")
    .option("--json", "print { stage, platform, resources, outputs } as JSON (secrets redacted)")
    .option("--config <file>", "read this stack config file instead of Pulumi.<stage>.yaml")
    .option(
      "--policies",
      "run the policy pack (policies/) over what the stage declares; exit 3 on mandatory violations",
    )
    .option(
      "--policy-config <file>",
      "policy pack config (pulumi --policy-pack-config JSON: limits, enforcement levels); implies --policies",
    )
    .addHelpText("after", SYNTH_EXAMPLES)
    .action(async (stage: string, options: SynthOptions) => {
      setExitCode(await synth(stage, options, io));
    });
  return program;
}

/** The command line without the process: `args` after `ion-deploy`; resolves to the exit code. */
export async function runIonDeploy(args: string[], io: Streams = processStreams): Promise<number> {
  let code: number = EXIT.ok;
  try {
    await buildProgram(io, (exit) => {
      code = exit;
    }).parseAsync(args, { from: "user" });
    return code;
  } catch (error) {
    // Commander has printed the help or the usage error already.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.failed;
    io.err(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT.failed;
  }
}

async function main(): Promise<void> {
  // A failure nothing awaited (inside Pulumi's runtime) still ends the command with a clear code.
  process.on("unhandledRejection", (reason) => {
    process.stderr.write(`${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`);
    process.exit(EXIT.failed);
  });
  process.exitCode = await runIonDeploy(process.argv.slice(2));
  // Pulumi's runtime can hold handles open after a render; leave once the output is flushed.
  process.stdout.write("", () => process.exit(process.exitCode ?? EXIT.ok));
}

// Runs as a command (bin/ion-deploy.cjs or tsx), not when a test imports `synth`.
const launcher = require.main?.filename ?? "";
if (require.main === module || launcher.endsWith("ion-deploy.cjs")) void main();
