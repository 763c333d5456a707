import { describe, expect, it } from "vitest";
import { loadStageConfig } from "../../../src/config";
import { type CommandRun, preflight, thresholdProblems } from "../../../src/rollout/commands/preflight";
import { prod, prodWith, ROOT } from "../fixtures";

const ok = (stdout = ""): CommandRun => ({ code: 0, stdout, stderr: "" });

/** A fake `pulumi`: answers per sub-command, and keeps what was asked. */
function fakePulumi(answers: Record<string, CommandRun>) {
  const asked: string[] = [];
  const cwds: (string | undefined)[] = [];
  const run = async (file: string, args: string[], cwd?: string) => {
    asked.push(`${file} ${args.join(" ")}`);
    cwds.push(cwd);
    return answers[args[0] ?? ""] ?? ok();
  };
  return { asked, cwds, run };
}

describe("start's preflight", () => {
  it("the shipped prod thresholds are within the policy pack's limits", () => {
    expect(thresholdProblems(prod())).toEqual([]);
  });

  it("a roll-back limit looser than the pack's names the key, the pack's limit and the fix", () => {
    const loose = prodWith({
      thresholds: { errorRate: { rollbackAbove: 0.05, consecutive: 3, goAtMost: 0.005 } },
    });
    const problems = thresholdProblems(loose);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^ion-deploy:thresholds\.errorRate\.rollbackAbove 0\.05 is looser than the policy pack's limit 0\.01 for prod: lower it in Pulumi\.prod\.yaml/,
    );
  });

  it("a breach allowed to last longer than the pack's duration is named too", () => {
    // 10 checks 60 s apart: the alert fires after 600 s; the runbook allows 3 checks (180 s).
    const slow = prodWith({
      thresholds: { errorRate: { rollbackAbove: 0.01, consecutive: 10, goAtMost: 0.005 } },
    });
    expect(thresholdProblems(slow)).toEqual([
      expect.stringMatching(/errorRate lets a breach last 600 s .* 180 s/),
    ]);
  });

  it("no pulumi CLI: one line naming it, and nothing else asked", async () => {
    const pulumi = fakePulumi({ version: { code: null, stdout: "", stderr: "", missing: true } });
    const problems = await preflight(prod(), pulumi.run);
    expect(problems).toEqual([expect.stringMatching(/^the pulumi CLI is not on PATH/)]);
    expect(problems[0]).not.toContain("\n");
    expect(pulumi.asked).toEqual(["pulumi version"]);
  });

  it("not logged in, or no such stack on the backend, each one line with the command that fixes it", async () => {
    const loggedOut = fakePulumi({ whoami: { code: 255, stdout: "", stderr: "error: not logged in\n" } });
    expect(await preflight(prod(), loggedOut.run)).toEqual([
      expect.stringMatching(/not logged in to a backend \(error: not logged in\): run `pulumi login`/),
    ]);
    const noStack = fakePulumi({ whoami: ok("ops\n"), stack: ok('[{"name":"acme/staging"}]') });
    expect(await preflight(prod(), noStack.run)).toEqual([
      expect.stringMatching(/has no stack prod: `pulumi stack init prod`/),
    ]);
    const ready = fakePulumi({ whoami: ok("ops\n"), stack: ok('[{"name":"acme/prod"}]') });
    expect(await preflight(prod(), ready.run)).toEqual([]);
  });

  it("a local stage (HAProxy) never asks pulumi", async () => {
    const pulumi = fakePulumi({});
    expect(
      await preflight(loadStageConfig("rehearsal", `${ROOT}/Pulumi.rehearsal.yaml`), pulumi.run),
    ).toEqual([]);
    expect(pulumi.asked).toEqual([]);
  });

  it("lists the stacks in the stage file's project directory, not the shell's", async () => {
    const pulumi = fakePulumi({ stack: ok(JSON.stringify([{ name: "acme/prod" }])) });
    expect(await preflight(prod(), pulumi.run, "/srv/deploy")).toEqual([]);
    expect(pulumi.asked.at(-1)).toBe("pulumi stack ls --json");
    expect(pulumi.cwds.at(-1)).toBe("/srv/deploy");
  });
});
