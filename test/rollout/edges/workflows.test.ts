import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  steps: Step[];
  needs?: string;
  if?: string;
  env?: Record<string, string>;
  strategy?: { matrix?: Record<string, unknown> };
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

function workflow(name: string): Workflow {
  return parse(readFileSync(join(".github/workflows", name), "utf8")) as Workflow;
}

const preview = workflow("preview.yml");
const rollout = workflow("rollout.yml");
const ALL = ["preview.yml", "release.yml", "rollout.yml", "abort.yml", "resume.yml", "promote.yml"].map(
  workflow,
);
const allSteps = (w: Workflow) => Object.values(w.jobs).flatMap((job) => job.steps ?? []);
const runs = (w: Workflow) => allSteps(w).flatMap((step) => (step.run ? [step.run] : []));
const script = (name: string) => readFileSync(join("scripts", name), "utf8");

function bash(script: string, env: Record<string, string>, cwd = process.cwd()) {
  return spawnSync("bash", ["-e", "-o", "pipefail", "-c", script], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? tmpdir(), ...env },
    encoding: "utf8",
  });
}

describe("preview.yml", () => {
  it("runs on pull requests: npm ci, npm test, synth of prod and staging with the policy pack", () => {
    expect(Object.keys(preview.on)).toContain("pull_request");
    const check = runs(preview);
    expect(check).toContain("npm ci --no-audit --no-fund");
    expect(check).toContain("npm test");
    expect(check).toContain("npx ion-deploy synth prod --policies");
    expect(check).toContain("npx ion-deploy synth staging --policies");
  });

  it("previews each stage with the policy pack after the checks, through the stage setup and pulumi/actions", () => {
    const job = preview.jobs.preview as Job;
    expect(job.needs).toBe("check");
    expect(job.strategy?.matrix?.stage).toEqual(["prod", "staging"]);
    expect(job.if).toContain("head.repo.full_name == github.repository");
    const uses = job.steps.map((step) => step.uses ?? "");
    expect(uses).toEqual(["actions/checkout@v4", "./.github/actions/stage-setup", "", "pulumi/actions@v6"]);
    const setup = readFileSync(".github/actions/stage-setup/action.yml", "utf8");
    for (const action of [
      "google-github-actions/auth@v2",
      "aws-actions/configure-aws-credentials@v4",
      "pulumi/auth-actions@v1",
    ])
      expect(setup).toContain(action);
    expect(preview.permissions).toEqual({ contents: "read", "id-token": "write", "pull-requests": "write" });
  });
});

describe("rollout.yml (called by release.yml, or by hand)", () => {
  const job = rollout.jobs.rollout as Job;
  const step = (id: string) => job.steps.find((s) => s.id === id || s.name === id) as Step;

  it("is called with a stage and a tag, and runs by hand with an image", () => {
    const call = rollout.on.workflow_call as { inputs: Record<string, { required?: boolean }> };
    expect(call.inputs.tag?.required).toBe(true);
    const dispatch = rollout.on.workflow_dispatch as { inputs: Record<string, unknown> };
    expect(Object.keys(dispatch.inputs)).toEqual(["stage", "image", "tag"]);
    expect(rollout.permissions?.contents).toBe("write");
  });

  it("uploads the state and report and commits the stack config back even when the rollout failed", () => {
    expect(step("rollout").run).toBe("bash scripts/ci-rollout.sh start");
    const upload = job.steps.find((s) => s.uses === "actions/upload-artifact@v4");
    expect(upload?.if).toBe("always()");
    expect(String(upload?.with?.path)).toContain("reports/");
    expect(String(upload?.with?.path)).toContain(".ion-rollout/");
    const commit = step("Commit the stack config back");
    expect(commit.if).toContain("always()");
    expect(commit.run).toBe("bash scripts/ci-commit-config.sh");
    expect(script("ci-commit-config.sh")).toContain('git push origin "HEAD:$DEFAULT_BRANCH"');
  });

  it("a rollout stopped by its deadline is resumed by the next job from the uploaded state", () => {
    const next = rollout.jobs.continue as Job;
    expect(next.needs).toBe("rollout");
    expect(next.if).toContain("needs.rollout.outputs.deadline == 'true'");
    const uses = next.steps.map((s) => s.uses ?? s.run ?? "");
    expect(uses.indexOf("actions/download-artifact@v4")).toBeLessThan(
      uses.indexOf("bash scripts/ci-rollout.sh resume"),
    );
  });

  it("never splices inputs or event fields into script text (they reach scripts through env)", () => {
    for (const run of ALL.flatMap(runs)) expect(run).not.toMatch(/\$\{\{\s*(inputs|github\.event)/);
  });

  it("has scripts bash can parse", () => {
    const scripts = ["ci-rollout.sh", "ci-commit-config.sh", "ci-outcome.sh", "ci-stop-rollouts.sh"].map(
      script,
    );
    for (const run of [...ALL.flatMap(runs), ...scripts]) {
      const result = spawnSync("bash", ["-n", "-c", run], { encoding: "utf8" });
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
    }
  });

  describe("ci-rollout.sh against a fake npx", () => {
    const dir = mkdtempSync(join(tmpdir(), "ion-ci-rollout-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    /** A fake `npx ion-rollout`: `start` exits with $FAKE_CODE, or sleeps past the deadline; `status` says held. */
    beforeAll(() => {
      const fake = [
        "#!/usr/bin/env bash",
        'echo "$*" >>"$FAKE_LOG"',
        'if [ "$2" = status ]; then echo \'{"state":{"status":"held"}}\'; exit 3; fi',
        'if [ "$FAKE_CODE" = sleep ]; then trap "exit 3" INT; for _ in $(seq 50); do sleep 0.1; done; exit 3; fi',
        // A runner with a `pulumi up` running under it: the child logs any SIGINT that reaches it.
        'if [ "$FAKE_CODE" = pulumi ]; then trap "exit 3" INT; node -e \'process.on("SIGINT", () => { require("fs").appendFileSync(process.env.FAKE_LOG, "pulumi got SIGINT\\n"); process.exit(130); }); setTimeout(() => {}, 1500);\'; exit 3; fi',
        'exit "$FAKE_CODE"',
      ].join("\n");
      writeFileSync(join(dir, "npx"), fake, { mode: 0o755 });
    });
    const run = (code: string, minutes = "5") => {
      const output = join(dir, `output-${code}`);
      writeFileSync(output, "");
      const result = bash(
        `bash ${join(process.cwd(), "scripts/ci-rollout.sh")} start`,
        {
          PATH: `${dir}:${process.env.PATH}`,
          STAGE: "prod",
          IMAGE: "registry/ion-api:1.5.0",
          GITHUB_OUTPUT: output,
          FAKE_CODE: code,
          FAKE_LOG: join(dir, "log"),
          ION_ROLLOUT_DEADLINE_MINUTES: minutes,
        },
        dir,
      );
      return { status: result.status, output: readFileSync(output, "utf8") };
    };

    it("passes ion-rollout's exit code on, with --on-interrupt handover (its deadline leaves the lease to the next job's resume)", () => {
      expect(run("2")).toEqual({ status: 0, output: "code=2\ndeadline=false\n" });
      expect(readFileSync(join(dir, "log"), "utf8")).toContain(
        "ion-rollout start prod --json --on-interrupt handover --image registry/ion-api:1.5.0",
      );
    });

    it("at the deadline: SIGINT, then the state's verdict (held, 3) and deadline=true", () => {
      // 0.01 min = 0.6 s, well before the fake's 5 s.
      expect(run("sleep", "0.01")).toEqual({ status: 0, output: "code=3\ndeadline=true\n" });
    });

    it("the deadline's SIGINT reaches ion-rollout alone, never the pulumi CLI under it", () => {
      // The Automation API sends the CLI one SIGINT when the runner aborts (a clean cancel); a second,
      // from timeout(1) signalling the whole process group, makes Pulumi terminate the update.
      writeFileSync(join(dir, "log"), "");
      expect(run("pulumi", "0.01")).toEqual({ status: 0, output: "code=3\ndeadline=true\n" });
      expect(readFileSync(join(dir, "log"), "utf8")).not.toContain("pulumi got SIGINT");
    });
  });

  it("fails the job unless promoted: exit 2 reverted, 3 held, 1 otherwise", () => {
    const outcome = script("ci-outcome.sh");
    const status = (code: string) => bash(outcome, { CODE: code, STAGE: "prod", IMAGE: "img:1" });
    expect(status("0").status).toBe(0);
    expect(status("0").stdout).toContain("promoted");
    expect(status("2").status).toBe(2);
    expect(status("2").stdout).toContain("::error::reverted");
    expect(status("3").status).toBe(3);
    expect(status("1").status).toBe(1);
    expect(status("").status).toBe(1);
  });

  describe("commit-back script against a real git remote", () => {
    const root = mkdtempSync(join(tmpdir(), "ion-release-"));
    afterAll(() => rmSync(root, { recursive: true, force: true }));
    const git = (cwd: string, ...args: string[]) =>
      execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd, encoding: "utf8" });
    const remote = join(root, "origin.git");
    const clone = join(root, "work");
    beforeAll(() => {
      git(root, "init", "-q", "--bare", "-b", "main", remote);
      git(root, "clone", "-q", remote, clone);
      writeFileSync(join(clone, "Pulumi.prod.yaml"), "config:\n  ion-deploy:canaryWeight: 5\n");
      git(clone, "add", ".");
      git(clone, "commit", "-q", "-m", "init");
      git(clone, "push", "-q", "origin", "HEAD:main");
    });
    const env = {
      STAGE: "prod",
      IMAGE: "registry/ion-api:1.5.0",
      DEFAULT_BRANCH: "main",
      GITHUB_SERVER_URL: "https://github.com",
      GITHUB_REPOSITORY: "ion/ion-deploy",
      GITHUB_RUN_ID: "42",
    };
    const commitBack = script("ci-commit-config.sh");

    it("does nothing when the runner left the file unchanged", () => {
      const result = bash(commitBack, { ...env, CODE: "0" }, clone);
      expect(result.status).toBe(0);
      expect(result.stdout).toContain("Pulumi.prod.yaml unchanged");
      expect(git(remote, "log", "--oneline", "main").trim().split("\n")).toHaveLength(1);
    });

    it("commits and pushes the promoted file with the outcome in the message", () => {
      writeFileSync(
        join(clone, "Pulumi.prod.yaml"),
        "config:\n  ion-deploy:canaryWeight: 100\n  ion-deploy:rolloutInProgress: false\n",
      );
      const result = bash(commitBack, { ...env, CODE: "0" }, clone);
      expect(result.stderr).not.toContain("fatal");
      expect(result.status).toBe(0);
      expect(git(remote, "log", "-1", "--format=%s", "main").trim()).toBe(
        "ion-rollout: prod promoted registry/ion-api:1.5.0",
      );
      expect(git(remote, "show", "main:Pulumi.prod.yaml")).toContain("canaryWeight: 100");
    });
  });
});
