import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE, type SecretKey, type StageConfig } from "../config";
import { declareStage, type StageOutputs } from "../stage";
import { mockOutputs } from "./mock-outputs";
import { unwrapSecrets } from "./secrets";

/** One resource the stage program declared, as the engine would receive it. */
export interface DeclaredResource {
  type: string;
  name: string;
  /** Component (false) or provider-managed resource (true). */
  custom: boolean;
  inputs: Record<string, unknown>;
  /** Dotted input paths whose values are Pulumi secrets. */
  secretPaths: string[];
  parent?: { type: string; name: string };
  /** The data-safety options the program set (`protect`, `retainOnDelete`). */
  options?: { protect?: boolean; retainOnDelete?: boolean };
}

export interface RenderedStage {
  config: StageConfig;
  resources: DeclaredResource[];
  outputs: Record<string, unknown>;
  /** Stack output names that are secret. */
  secretOutputs: string[];
}

export interface RenderOptions {
  /** Values for secret config keys; placeholders are used for the ones not given. */
  secrets?: Partial<Record<SecretKey, string>>;
}

/** Placeholder values, so a stage whose secrets live encrypted in its stack file renders offline. */
const PLACEHOLDER_SECRETS: Record<SecretKey, string> = {
  slackAuthToken: "xoxb-synth-placeholder",
  pagerdutyServiceKey: "synth-placeholder-service-key",
  docdbMasterPassword: "synth-placeholder-password",
  redisAuthToken: "synth-placeholder-redis-auth-token-32chars",
};

let rendering: Promise<unknown> = Promise.resolve();

/**
 * Runs the real stage program under Pulumi's unit-test mocks and returns everything it declared.
 * Renders are serialised: the Pulumi runtime is process-global.
 */
export function renderStage(config: StageConfig, options: RenderOptions = {}): Promise<RenderedStage> {
  const next = rendering.then(() => withoutPulumiStacks(() => renderNow(config, options)));
  rendering = next.catch(() => undefined);
  return next;
}

/**
 * Pulumi's SDK formats a stack trace for every promise it creates (kept for leak reports) and a full
 * one for every resource (its source position, sent to the engine), each from a message-less
 * `new Error()`. Under mocks nothing reads them, and with source maps on (tsx, vitest) mapping their
 * frames was over half of a render's CPU. While a render runs those stacks are left empty; an error
 * with a message is formatted as before.
 */
async function withoutPulumiStacks<T>(render: () => Promise<T>): Promise<T> {
  const format = Error.prepareStackTrace;
  Error.prepareStackTrace = (error, frames) => {
    if (error instanceof Error && error.message === "") return String(error);
    if (format) return format(error, frames);
    return [String(error), ...frames.map((frame) => `    at ${frame}`)].join("\n");
  };
  try {
    return await render();
  } finally {
    Error.prepareStackTrace = format;
  }
}

async function renderNow(config: StageConfig, options: RenderOptions): Promise<RenderedStage> {
  const resources: DeclaredResource[] = [];
  const parents = new Map<string, { type: string; name: string }>();
  const safety = new Map<string, DeclaredResource["options"]>();
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const secretPaths: string[] = [];
        const inputs = unwrapSecrets(args.inputs, "", secretPaths) as Record<string, unknown>;
        resources.push({
          type: args.type,
          name: args.name,
          custom: args.custom ?? true,
          inputs,
          secretPaths,
          parent: parents.get(`${args.type}::${args.name}`),
          options: safety.get(`${args.type}::${args.name}`) ?? {},
        });
        return { id: `${args.name}-id`, state: { ...inputs, ...mockOutputs({ ...args, inputs }) } };
      },
      call(args) {
        return mockCall(args.token, args.inputs);
      },
    },
    "ion-deploy",
    config.stage,
    false,
  );
  const secrets = { ...PLACEHOLDER_SECRETS, ...options.secrets };
  const allConfig: Record<string, string> = {};
  for (const [key, value] of Object.entries(secrets)) allConfig[`${CONFIG_NAMESPACE}:${key}`] = value;
  pulumi.runtime.setAllConfig(
    allConfig,
    Object.keys(secrets).map((key) => `${CONFIG_NAMESPACE}:${key}`),
  );

  let declared: StageOutputs = {};
  let programError: unknown;
  const stackOutputs = await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      const { protect, retainOnDelete } = args.opts as pulumi.CustomResourceOptions;
      safety.set(`${args.type}::${args.name}`, {
        ...(protect !== undefined ? { protect } : {}),
        ...(retainOnDelete !== undefined ? { retainOnDelete } : {}),
      });
      const parent = args.opts.parent as unknown as { __pulumiType?: string; __name?: string } | undefined;
      if (parent?.__pulumiType && parent.__name) {
        parents.set(`${args.type}::${args.name}`, { type: parent.__pulumiType, name: parent.__name });
      }
      return undefined;
    });
    // Caught here and rethrown below: an error escaping the stack callback also leaks an
    // unhandled rejection from Pulumi's runtime, which would crash a CLI or fail a test run.
    try {
      declared = declareStage(config);
    } catch (error) {
      programError = error;
    }
    return declared;
  });
  // Waits for every outstanding registration, so `resources` is complete.
  await pulumi.runtime.disconnect();
  if (programError !== undefined) throw programError;

  const secretOutputs: string[] = [];
  for (const [key, value] of Object.entries(declared)) {
    if (pulumi.Output.isInstance(value) && (await pulumi.isSecret(value))) secretOutputs.push(key);
  }
  return { config, resources, outputs: stackOutputs ?? {}, secretOutputs };
}

/** Provider functions the stages call (availability zones, caller identity, ...). */
function mockCall(token: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (token) {
    case "aws:index/getAvailabilityZones:getAvailabilityZones":
      return { names: ["mock-az-a", "mock-az-b", "mock-az-c"], zoneIds: ["az1", "az2", "az3"] };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { accountId: "123456789012", arn: "arn:aws:iam::123456789012:user/synth", userId: "synth" };
    case "aws:index/getRegion:getRegion":
      return { name: "mock-region", region: "mock-region" };
    case "aws:elb/getServiceAccount:getServiceAccount":
      return { arn: "arn:aws:iam::600734575887:root", id: "600734575887" };
    default:
      return inputs;
  }
}
