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
const release = workflow("release.yml");
const allSteps = (w: Workflow) => Object.values(w.jobs).flatMap((job) => job.steps);
const runs = (w: Workflow) => allSteps(w).flatMap((step) => (step.run ? [step.run] : []));

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

  it("previews each stage with the policy pack after the checks, with the Pulumi CLI action and cloud credentials", () => {
    const job = preview.jobs.preview as Job;
    expect(job.needs).toBe("check");
    expect(job.strategy?.matrix?.stage).toEqual(["prod", "staging"]);
    expect(job.if).toContain("head.repo.full_name == github.repository");
    const uses = job.steps.map((step) => step.uses ?? "");
    expect(uses).toContain("pulumi/actions@v6");
    expect(uses).toContain("google-github-actions/auth@v2");
    expect(uses).toContain("aws-actions/configure-aws-credentials@v4");
    expect(
      job.steps.some((step) => step.run?.includes('pulumi preview --stack "$STAGE" --policy-pack policies')),
    ).toBe(true);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a JS template
    expect(job.env?.PULUMI_ACCESS_TOKEN).toBe("${{ secrets.PULUMI_ACCESS_TOKEN }}");
    expect(preview.permissions).toEqual({ contents: "read", "id-token": "write" });
  });
});

describe("release.yml", () => {
  const job = release.jobs.rollout as Job;
  const step = (id: string) => job.steps.find((s) => s.id === id || s.name === id) as Step;

  it("runs on a published release and by hand with an image input", () => {
    expect(release.on.release).toEqual({ types: ["published"] });
    const dispatch = release.on.workflow_dispatch as { inputs: Record<string, { required?: boolean }> };
    expect(dispatch.inputs.image?.required).toBe(true);
    expect(release.permissions?.contents).toBe("write");
  });

  it("starts the rollout with --image and --json, keeping the exit code for later steps", () => {
    const run = step("rollout").run ?? "";
    expect(run).toContain('npx ion-rollout start "$STAGE" --image "$IMAGE" --json');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash, not a JS template
    expect(run).toContain("code=${PIPESTATUS[0]}");
    expect(run).toContain('echo "code=$code" >> "$GITHUB_OUTPUT"');
  });

  it("uploads the report and commits the stack config back even when the rollout failed", () => {
    const upload = job.steps.find((s) => s.uses === "actions/upload-artifact@v4");
    expect(upload?.if).toBe("always()");
    expect(String(upload?.with?.path)).toContain("reports/");
    const commit = step("Commit the stack config back");
    expect(commit.if).toContain("always()");
    expect(commit.run).toContain('git add -- "$file"');
    expect(commit.run).toContain('git push origin "HEAD:$DEFAULT_BRANCH"');
  });

  it("never splices inputs or event fields into script text (they reach scripts through env)", () => {
    for (const run of [...runs(release), ...runs(preview)]) {
      expect(run).not.toMatch(/\$\{\{\s*(inputs|github\.event)/);
    }
  });

  it("has scripts bash can parse", () => {
    for (const run of [...runs(release), ...runs(preview)]) {
      const result = spawnSync("bash", ["-n", "-c", run], { encoding: "utf8" });
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
    }
  });

  it("fails the job unless promoted: exit 2 reverted, 3 held, 1 otherwise", () => {
    const outcome = step("outcome").run ?? "";
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
    const script = step("Commit the stack config back").run ?? "";

    it("does nothing when the runner left the file unchanged", () => {
      const result = bash(script, { ...env, CODE: "0" }, clone);
      expect(result.status).toBe(0);
      expect(result.stdout).toContain("Pulumi.prod.yaml unchanged");
      expect(git(remote, "log", "--oneline", "main").trim().split("\n")).toHaveLength(1);
    });

    it("commits and pushes the promoted file with the outcome in the message", () => {
      writeFileSync(
        join(clone, "Pulumi.prod.yaml"),
        "config:\n  ion-deploy:canaryWeight: 100\n  ion-deploy:rolloutInProgress: false\n",
      );
      const result = bash(script, { ...env, CODE: "0" }, clone);
      expect(result.stderr).not.toContain("fatal");
      expect(result.status).toBe(0);
      expect(git(remote, "log", "-1", "--format=%s", "main").trim()).toBe(
        "ion-rollout: prod promoted registry/ion-api:1.5.0",
      );
      expect(git(remote, "show", "main:Pulumi.prod.yaml")).toContain("canaryWeight: 100");
    });
  });
});
