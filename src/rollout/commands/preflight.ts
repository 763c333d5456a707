import { execFile } from "node:child_process";
import type { StageConfig } from "../../config";
import { rollbackRules } from "../../signals";
import { defaultLimitsFor, ROLLBACK_SIGNALS } from "../../signals/limits";

/**
 * What `start` checks before it takes the lock or writes any state, so a rollout that cannot run
 * is refused with one line per problem and nothing applied: the stage's roll-back thresholds
 * within the policy pack's limits (the check `ion-deploy synth --policies` makes on the alerts,
 * from the same config), and for stages driven through Pulumi the CLI on PATH, a logged-in
 * backend and the stage's stack on it.
 */

/** A finished command: its exit code (null when it could not be started: `missing`) and output. */
export interface CommandRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The executable was not found (spawn ENOENT). */
  missing?: boolean;
}

/** Runs `file` in `cwd` (default the process's working directory). */
export type RunCommand = (file: string, args: string[], cwd?: string) => Promise<CommandRun>;

const PREFLIGHT_TIMEOUT_MS = 60_000;

export const runCommand: RunCommand = (file, args, cwd) =>
  new Promise((resolve) => {
    const options = { timeout: PREFLIGHT_TIMEOUT_MS, encoding: "utf8" as const, ...(cwd ? { cwd } : {}) };
    execFile(file, args, options, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
      resolve({ code, stdout, stderr, ...(error?.code === "ENOENT" ? { missing: true } : {}) });
    });
  });

/** Roll-back thresholds looser than the policy pack allows, one line each naming the key and the fix. */
export function thresholdProblems(cfg: StageConfig): string[] {
  // What the policy pack applies with no pack config: the stage's own limits, or the default stage's.
  const limits = defaultLimitsFor(cfg.stage);
  const interval = cfg.rollout.checkIntervalSeconds;
  const problems: string[] = [];
  for (const rule of rollbackRules(cfg)) {
    const limit = ROLLBACK_SIGNALS.includes(rule.signal) ? limits[rule.signal] : undefined;
    if (!limit) continue;
    const key = `ion-deploy:thresholds.${rule.signal}`;
    if (rule.threshold > limit.rollbackAbove)
      problems.push(
        `${key}.rollbackAbove ${rule.threshold} is looser than the policy pack's limit ${limit.rollbackAbove} for ${cfg.stage}: lower it in Pulumi.${cfg.stage}.yaml (\`ion-deploy synth ${cfg.stage} --policies\` shows the alert it fails)`,
      );
    // The alert fires after its `for:` plus the one interval its query looks back.
    const breachSeconds = rule.forSeconds + interval;
    if (limit.maxForSeconds !== undefined && breachSeconds > limit.maxForSeconds)
      problems.push(
        `${key} lets a breach last ${breachSeconds} s before the alert fires, longer than the policy pack's ${limit.maxForSeconds} s for ${cfg.stage}: lower its consecutive (or forSeconds) in Pulumi.${cfg.stage}.yaml`,
      );
  }
  return problems;
}

/**
 * The pulumi CLI, its backend login and the stage's stack; stops at the first that fails. The
 * stacks are listed in `projectDir` (the stage file's Pulumi project), not the shell's directory.
 */
export async function pulumiProblems(
  cfg: StageConfig,
  run: RunCommand,
  projectDir?: string,
): Promise<string[]> {
  const version = await run("pulumi", ["version"]);
  if (version.missing || version.code !== 0)
    return [
      `the pulumi CLI is not on PATH, and stage ${cfg.stage} (platform ${cfg.platform}) applies every weight through it: install it (https://www.pulumi.com/docs/iac/download-install/) and run \`pulumi login\``,
    ];
  const whoami = await run("pulumi", ["whoami"]);
  if (whoami.code !== 0)
    return [
      `pulumi is not logged in to a backend (${firstLine(whoami.stderr) || "pulumi whoami failed"}): run \`pulumi login\` (or set PULUMI_ACCESS_TOKEN / PULUMI_BACKEND_URL)`,
    ];
  const stacks = await run("pulumi", ["stack", "ls", "--json"], projectDir);
  if (stacks.code !== 0)
    return [`cannot list the stacks: ${firstLine(stacks.stderr) || "pulumi stack ls failed"}`];
  if (!stackNames(stacks.stdout).some((name) => name === cfg.stage || name.endsWith(`/${cfg.stage}`)))
    return [
      `the backend ${firstLine(whoami.stdout)} has no stack ${cfg.stage}: \`pulumi stack init ${cfg.stage}\` and a first \`pulumi up --stack ${cfg.stage}\` come before a rollout`,
    ];
  return [];
}

function firstLine(text: string): string {
  return (
    text
      .split("\n")
      .find((line) => line.trim() !== "")
      ?.trim() ?? ""
  );
}

function stackNames(json: string): string[] {
  try {
    const stacks = JSON.parse(json) as { name?: unknown }[];
    return stacks.map((s) => (typeof s.name === "string" ? s.name : "")).filter(Boolean);
  } catch {
    return [];
  }
}

/** Every reason `start` must not begin, one line each; empty when it may. */
export async function preflight(
  cfg: StageConfig,
  run: RunCommand = runCommand,
  projectDir?: string,
): Promise<string[]> {
  const problems = thresholdProblems(cfg);
  if (cfg.platform !== "local") problems.push(...(await pulumiProblems(cfg, run, projectDir)));
  return problems;
}
