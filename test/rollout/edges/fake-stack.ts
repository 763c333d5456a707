import type { ConfigMap, Deployment, OutputMap, UpOptions, UpResult } from "@pulumi/pulumi/automation";
import type { RolloutStack } from "../../../src/rollout/edges/drivers/pulumi";

/** One state resource as `pulumi stack export` lists it. */
export function stateResource(type: string, name: string, extra: Record<string, unknown> = {}) {
  return { urn: `urn:pulumi:prod::ion-deploy::${type}::${name}`, type, custom: true, ...extra };
}

export function deployment(resources: unknown[]): Deployment {
  return { version: 3, deployment: { manifest: {}, resources } };
}

export function upResult(result: "succeeded" | "failed" = "succeeded", outputs: OutputMap = {}): UpResult {
  return {
    stdout: "",
    stderr: "",
    outputs,
    summary: {
      kind: "update",
      startTime: new Date(0),
      endTime: new Date(0),
      message: "",
      environment: {},
      config: {},
      result,
      version: 2,
    },
  } as UpResult;
}

/**
 * A stand-in for the Automation API's Stack that records what the driver asks of it. Config is
 * kept as the CLI would: `set-all --json` stores each entry's `value` string.
 */
export class FakeStack implements RolloutStack {
  readonly name = "prod";
  readonly config = new Map<string, string>();
  readonly configJsonCalls: string[] = [];
  readonly upCalls: UpOptions[] = [];
  outputsValue: OutputMap = {};
  /** Dropped by setAllConfigJson, to imitate a CLI that ignores a key. */
  ignoreKeys: string[] = [];

  constructor(
    private readonly exported: Deployment,
    /** What each `up` call does, in order; the last repeats. */
    private readonly ups: ((options: UpOptions) => Promise<UpResult>)[] = [async () => upResult()],
  ) {}

  async setAllConfigJson(configJson: string): Promise<void> {
    this.configJsonCalls.push(configJson);
    const entries = JSON.parse(configJson) as Record<string, { value: string }>;
    for (const [key, entry] of Object.entries(entries)) {
      if (!this.ignoreKeys.includes(key)) this.config.set(key, entry.value);
    }
  }

  async getAllConfig(): Promise<ConfigMap> {
    return Object.fromEntries([...this.config].map(([key, value]) => [key, { value, secret: false }]));
  }

  async up(options?: UpOptions): Promise<UpResult> {
    this.upCalls.push(options ?? {});
    const behaviour = this.ups[Math.min(this.upCalls.length, this.ups.length) - 1];
    if (!behaviour) throw new Error("no up behaviour");
    return behaviour(options ?? {});
  }

  async exportStack(): Promise<Deployment> {
    return this.exported;
  }

  async outputs(): Promise<OutputMap> {
    return this.outputsValue;
  }
}

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}
