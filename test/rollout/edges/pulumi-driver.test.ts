import { execFileSync } from "node:child_process";
import { CommandError, ConcurrentUpdateError } from "@pulumi/pulumi/automation";
import { describe, expect, it } from "vitest";
import { loadStageConfig } from "../../../src/config";
import { PulumiTrafficDriver } from "../../../src/rollout/edges/drivers/pulumi";
import type { TrafficChange } from "../../../src/rollout/edges/types";
import { deployment, FakeStack, rejection, stateResource, upResult } from "./fake-stack";

const cfg = loadStageConfig("prod");

const SERVICE = stateResource("gcp:cloudrunv2/service:Service", "ion-api");
const URL_MAP = stateResource("gcp:compute/uRLMap:URLMap", "prod-lb");
const EVERYTHING = deployment([
  stateResource("pulumi:pulumi:Stack", "ion-deploy-prod"),
  stateResource("ion-deploy:gcp:GcpStage", "prod"),
  SERVICE,
  // The old copy of a replaced service, awaiting deletion: never a target.
  stateResource("gcp:cloudrunv2/service:Service", "ion-api", { delete: true, urn: `${SERVICE.urn}-old` }),
  stateResource("gcp:cloudrunv2/serviceIamMember:ServiceIamMember", "ion-api-invoker"),
  stateResource("gcp:monitoring/alertPolicy:AlertPolicy", "prod-error-rate"),
  stateResource("gcp:monitoring/notificationChannel:NotificationChannel", "prod-email"),
  URL_MAP,
]);

const CHANGE: TrafficChange = {
  canaryWeight: 10,
  releases: {
    stable: { image: "registry/ion-api:1.4.0", name: "ion-api-v1-4-0" },
    canary: { image: "registry/ion-api:1.5.0", name: "ion-api-v1-5-0" },
  },
  rolloutInProgress: true,
  reason: "step 2/5",
};

function driver(stack: FakeStack, extra: Partial<ConstructorParameters<typeof PulumiTrafficDriver>[0]> = {}) {
  const sleeps: number[] = [];
  const output: string[] = [];
  const instance = new PulumiTrafficDriver({
    stage: "prod",
    workDir: "/project",
    cfg,
    onOutput: (text) => output.push(text),
    selectStack: async () => stack,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...extra,
  });
  return { instance, sleeps, output };
}

const concurrent = () =>
  new ConcurrentUpdateError("error: [409] Conflict: Another update is currently in progress.");

describe("PulumiTrafficDriver.apply", () => {
  it("writes the four rollout keys as typed config, then ups only the traffic-bearing resources", async () => {
    const stack = new FakeStack(EVERYTHING);
    const { instance, output } = driver(stack);
    await instance.apply(CHANGE);

    expect(stack.configJsonCalls).toHaveLength(1);
    expect(JSON.parse(stack.configJsonCalls[0] as string)).toEqual({
      "ion-deploy:canaryWeight": { value: "10", objectValue: 10, secret: false },
      "ion-deploy:releases": {
        value: JSON.stringify(CHANGE.releases),
        objectValue: CHANGE.releases,
        secret: false,
      },
      "ion-deploy:rolloutInProgress": { value: "true", objectValue: true, secret: false },
      "ion-deploy:oldSideRetired": { value: "false", objectValue: false, secret: false },
    });
    expect(stack.upCalls).toHaveLength(1);
    const options = stack.upCalls[0];
    expect(options?.target).toEqual([SERVICE.urn, URL_MAP.urn].sort());
    expect(options?.targetDependents).toBeUndefined();
    expect(options?.message).toBe("ion-rollout prod: canary 10% (step 2/5)");
    options?.onOutput?.("Updating (prod)\n");
    expect(output).toEqual(["Updating (prod)\n"]);
  });

  it("writes oldSideRetired true when the change retires the old side", async () => {
    const stack = new FakeStack(EVERYTHING);
    await driver(stack).instance.apply({
      ...CHANGE,
      canaryWeight: 100,
      rolloutInProgress: false,
      oldSideRetired: true,
      reason: "retire ion-api-v1-4-0 after 24 h",
    });
    expect(JSON.parse(stack.configJsonCalls[0] as string)["ion-deploy:oldSideRetired"]).toEqual({
      value: "true",
      objectValue: true,
      secret: false,
    });
  });

  it("passes the caller's AbortSignal to up", async () => {
    const stack = new FakeStack(EVERYTHING);
    const controller = new AbortController();
    await driver(stack).instance.apply(CHANGE, controller.signal);
    expect(stack.upCalls[0]?.signal).toBe(controller.signal);
  });

  it("targets the ALB listener and ECS release resources of an AWS stack", async () => {
    const listener = stateResource("aws:lb/listener:Listener", "staging-https");
    const taskDefinition = stateResource("aws:ecs/taskDefinition:TaskDefinition", "green");
    const stack = new FakeStack(
      deployment([
        stateResource("aws:ec2/vpc:Vpc", "staging"),
        stateResource("aws:docdb/cluster:Cluster", "db"),
        listener,
        taskDefinition,
      ]),
    );
    await driver(stack).instance.apply(CHANGE);
    expect(stack.upCalls[0]?.target).toEqual([listener.urn, taskDefinition.urn].sort());
  });

  it("retries with a bounded doubling backoff while another update holds the stack", async () => {
    const stack = new FakeStack(EVERYTHING, [
      async () => {
        throw concurrent();
      },
      async () => {
        throw concurrent();
      },
      async () => upResult(),
    ]);
    const { instance, sleeps, output } = driver(stack, {
      concurrentUpdate: { baseDelayMs: 1_000, maxDelayMs: 1_500 },
    });
    await instance.apply(CHANGE);
    expect(stack.upCalls).toHaveLength(3);
    expect(sleeps).toEqual([1_000, 1_500]);
    expect(stack.configJsonCalls).toHaveLength(1);
    expect(output.filter((line) => line.includes("locked by another update"))).toHaveLength(2);
  });

  it("gives up after the configured attempts with a message naming the stack", async () => {
    const stack = new FakeStack(EVERYTHING, [
      async () => {
        throw concurrent();
      },
    ]);
    const { instance, sleeps } = driver(stack, { concurrentUpdate: { attempts: 3, baseDelayMs: 2_000 } });
    const error = await rejection(instance.apply(CHANGE));
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(
      /^stack prod is locked by another update: still locked after 3 attempts over 6 s/,
    );
    expect(error.message).toContain("pulumi cancel --stack prod");
    expect(error.cause).toBeInstanceOf(ConcurrentUpdateError);
    expect(stack.upCalls).toHaveLength(3);
    expect(sleeps).toEqual([2_000, 4_000]);
  });

  it("by default waits out another update for ~4 min (the 120 s update the revert bench models fits)", async () => {
    const stack = new FakeStack(EVERYTHING, [
      async () => {
        throw concurrent();
      },
    ]);
    const { instance, sleeps } = driver(stack);
    await rejection(instance.apply(CHANGE));
    expect(stack.upCalls).toHaveLength(8);
    expect(sleeps).toEqual([5_000, 10_000, 20_000, 40_000, 60_000, 60_000, 60_000]);
  });

  it("rejects at once on any other failed update, so the runner reverts", async () => {
    const failure = new CommandError(
      "code: 255\n stdout: \n stderr: error: update failed\n  gcp:cloudrunv2:Service ion-api: Revision ion-api-v1-5-0 is not ready",
    );
    const stack = new FakeStack(EVERYTHING, [
      async () => {
        throw failure;
      },
    ]);
    const { instance, sleeps } = driver(stack);
    const error = await rejection(instance.apply(CHANGE));
    expect(error.message).toMatch(/^pulumi up \(targeted at 2 traffic resources\) failed for stack prod:/);
    expect(error.message).toContain("Revision ion-api-v1-5-0 is not ready");
    expect(error.cause).toBe(failure);
    expect(stack.upCalls).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it("rejects an update that reports a result other than succeeded", async () => {
    const stack = new FakeStack(EVERYTHING, [async () => upResult("failed")]);
    await expect(driver(stack).instance.apply(CHANGE)).rejects.toThrow(
      'pulumi up for stack prod ended with result "failed"',
    );
  });

  it("refuses a stack without traffic-bearing resources before changing anything", async () => {
    const stack = new FakeStack(deployment([stateResource("pulumi:pulumi:Stack", "ion-deploy-prod")]));
    await expect(driver(stack).instance.apply(CHANGE)).rejects.toThrow(
      /^stack prod has no traffic-bearing resources .*Run `pulumi up --stack prod` once before a rollout\.$/s,
    );
    expect(stack.configJsonCalls).toEqual([]);
    expect(stack.upCalls).toEqual([]);
  });

  it("does not run up when the stack config did not take a value", async () => {
    const stack = new FakeStack(EVERYTHING);
    stack.ignoreKeys = ["ion-deploy:canaryWeight"];
    stack.config.set("ion-deploy:canaryWeight", "5");
    await expect(driver(stack).instance.apply(CHANGE)).rejects.toThrow(
      "ion-deploy:canaryWeight: wanted 10, stack has 5",
    );
    expect(stack.upCalls).toEqual([]);
  });

  it("accepts config read back with keys in another order (the CLI sorts maps)", async () => {
    const stack = new FakeStack(EVERYTHING);
    const original = stack.setAllConfigJson.bind(stack);
    stack.setAllConfigJson = async (json) => {
      await original(json);
      stack.config.set(
        "ion-deploy:releases",
        JSON.stringify({
          canary: { name: "ion-api-v1-5-0", image: "registry/ion-api:1.5.0" },
          stable: CHANGE.releases.stable,
        }),
      );
    };
    await driver(stack).instance.apply(CHANGE);
    expect(stack.upCalls).toHaveLength(1);
  });

  it("stops waiting for a locked stack when aborted", async () => {
    const stack = new FakeStack(EVERYTHING, [
      async () => {
        throw concurrent();
      },
    ]);
    const controller = new AbortController();
    const { instance } = driver(stack, {
      sleep: async () => {
        controller.abort(new Error("SIGTERM"));
        throw controller.signal.reason;
      },
    });
    await expect(instance.apply(CHANGE, controller.signal)).rejects.toThrow("SIGTERM");
    expect(stack.upCalls).toHaveLength(1);
  });

  it("does nothing when already aborted", async () => {
    const stack = new FakeStack(EVERYTHING);
    await expect(driver(stack).instance.apply(CHANGE, AbortSignal.abort(new Error("stop")))).rejects.toThrow(
      "stop",
    );
    expect(stack.configJsonCalls).toEqual([]);
  });

  it("explains a stack that cannot be selected and tries again next time", async () => {
    let calls = 0;
    const stack = new FakeStack(EVERYTHING);
    const { instance } = driver(stack, {
      selectStack: async () => {
        calls++;
        if (calls === 1) throw new Error("spawn pulumi ENOENT");
        return stack;
      },
    });
    await expect(instance.apply(CHANGE)).rejects.toThrow(
      /could not select Pulumi stack prod in \/project: spawn pulumi ENOENT\n.*needs the `pulumi` CLI/s,
    );
    await instance.apply(CHANGE);
    expect(calls).toBe(2);
  });
});

describe("PulumiTrafficDriver.currentCanaryWeight", () => {
  it("prefers the served split from the stack output `weights`", async () => {
    const stack = new FakeStack(EVERYTHING);
    stack.outputsValue = { weights: { value: { stable: 75, canary: 25 }, secret: false } };
    stack.config.set("ion-deploy:canaryWeight", "10");
    expect(await driver(stack).instance.currentCanaryWeight()).toBe(25);
  });

  it("falls back to the configured weight, and to undefined when neither is known", async () => {
    const stack = new FakeStack(EVERYTHING);
    const { instance } = driver(stack);
    expect(await instance.currentCanaryWeight()).toBeUndefined();
    stack.config.set("ion-deploy:canaryWeight", "10");
    expect(await instance.currentCanaryWeight()).toBe(10);
  });
});

function pulumiOnPath(): boolean {
  try {
    execFileSync("pulumi", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("PulumiTrafficDriver with the real Automation API", () => {
  it.skipIf(pulumiOnPath())("fails clearly on a machine without the pulumi CLI", async () => {
    const real = new PulumiTrafficDriver({ stage: "prod", workDir: process.cwd(), cfg });
    await expect(real.apply(CHANGE)).rejects.toThrow(
      /could not select Pulumi stack prod .*ENOENT.*needs the `pulumi` CLI/s,
    );
  });
});
