import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL_POLICIES } from "../../policies/all";
import { buildPolicyPack, PACK_FILES } from "../../scripts/build-policies";

const POLICIES = resolve(__dirname, "../../policies");

/**
 * `pulumi policy publish` packs only `policies/` (npm pack, its `files`), and Pulumi Cloud installs
 * the pack's own dependencies. This copies exactly what is published to a directory with no
 * node_modules above it, installs from the pack's lock file, and loads the bundle the way the
 * engine does: its analyzer server must start and list every policy over gRPC.
 */
describe("the published policy pack stands alone", () => {
  const dir = mkdtempSync(join(tmpdir(), "ion-policy-pack-"));
  let server: ChildProcess | undefined;
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    let start = Date.now();
    await buildPolicyPack(join(dir, "dist", "index.js"));
    timings.build = Date.now() - start;
    for (const file of PACK_FILES.filter((name) => !name.startsWith("dist"))) {
      copyFileSync(join(POLICIES, file), join(dir, file));
    }
    start = Date.now();
    npmCi(dir);
    timings.install = Date.now() - start;
  }, 120_000);

  afterAll(() => {
    server?.kill();
    rmSync(dir, { recursive: true, force: true });
    console.info(`standalone pack: build ${timings.build} ms, npm ci ${timings.install} ms`);
  });

  it("publishes only the bundle and its manifest, and depends only on the Pulumi SDKs", () => {
    const manifest = JSON.parse(readFileSync(join(POLICIES, "package.json"), "utf8"));
    expect(manifest.main).toBe("dist/index.js");
    expect(manifest.files).toEqual(["dist/", "PulumiPolicy.yaml"]);
    expect(Object.keys(manifest.dependencies).sort()).toEqual(["@pulumi/policy", "@pulumi/pulumi"]);
    expect(manifest.devDependencies).toBeUndefined();
    const bundle = readFileSync(join(dir, "dist", "index.js"), "utf8");
    expect(bundle).not.toMatch(/require\("\.\.?\/(src|policies)\//);
    expect(existsSync(join(dir, "node_modules", "zod"))).toBe(false);
  });

  it("starts from its own node_modules and serves all policies to the engine (GetAnalyzerInfo)", async () => {
    server = spawn(process.execPath, ["-e", "require('./')"], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const port = await firstLine(server);
    expect(port).toMatch(/^\d+$/);
    const info = await analyzerInfo(dir, port);
    expect(info.name).toBe("ion-deploy-guardrails");
    expect(info.policies.sort()).toEqual(ALL_POLICIES.map((policy) => policy.name).sort());
  }, 30_000);
});

function npmCi(dir: string): void {
  const args = ["ci", "--ignore-scripts", "--no-audit", "--no-fund", "--omit=dev"];
  try {
    execFileSync("npm", [...args, "--offline"], { cwd: dir, stdio: "pipe" });
  } catch {
    execFileSync("npm", [...args, "--prefer-offline"], { cwd: dir, stdio: "pipe" });
  }
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((done, fail) => {
    let stdout = "";
    let stderr = "";
    child.stderr?.on("data", (chunk) => {
      stderr += chunk;
    });
    child.stdout?.on("data", (chunk) => {
      stdout += chunk;
      if (stdout.includes("\n")) done(stdout.split("\n")[0] ?? "");
    });
    child.on("exit", (code) => fail(new Error(`pack exited ${code}: ${stderr}`)));
  });
}

/** The engine's first call to a policy pack, made with the gRPC stubs the pack itself installed. */
function analyzerInfo(dir: string, port: string): Promise<{ name: string; policies: string[] }> {
  const fromPack = createRequire(join(dir, "package.json"));
  const grpc = fromPack("@grpc/grpc-js");
  const services = fromPack("@pulumi/pulumi/proto/analyzer_grpc_pb");
  const { Empty } = fromPack("google-protobuf/google/protobuf/empty_pb");
  const client = new services.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return new Promise((done, fail) => {
    client.getAnalyzerInfo(new Empty(), (error: Error | null, reply: AnalyzerInfoReply) => {
      client.close();
      if (error) return fail(error);
      done({ name: reply.getName(), policies: reply.getPoliciesList().map((policy) => policy.getName()) });
    });
  });
}

interface AnalyzerInfoReply {
  getName(): string;
  getPoliciesList(): { getName(): string }[];
}
