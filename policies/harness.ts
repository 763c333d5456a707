import type {
  PolicyProviderResource,
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidation,
  ResourceValidationArgs,
  StackValidationArgs,
} from "@pulumi/policy";
import { mockOutputs } from "../src/synth/mock-outputs";
import type { DeclaredResource, RenderedStage } from "../src/synth/render";
import { ALL_POLICIES } from "./all";
import type { Level } from "./config";
import type { IonPolicy } from "./define";
import { enforcementLevelOf, type PolicyPackConfig, settingsOf } from "./pack-config";
import { strings } from "./readers/props";

/**
 * Runs the pack in-process over a rendered stage, the way the Pulumi engine would call it: each
 * declared resource becomes the args of `validateResource`, the whole stack those of
 * `validateStack`. No engine, no CLI, no gRPC server.
 */

export interface PolicyViolation {
  policy: string;
  enforcementLevel: Level;
  /** The resource the violation is about; absent for stack-wide violations. */
  resource?: { type: string; name: string; urn: string };
  message: string;
}

export interface PolicyOutcome {
  policy: string;
  enforcementLevel: Level;
  /** passed: ran and found nothing; violated; not-applicable: nothing of its kind; disabled. */
  status: "passed" | "violated" | "not-applicable" | "disabled";
}

export interface PolicyRun {
  stage: string;
  resources: number;
  outcomes: PolicyOutcome[];
  violations: PolicyViolation[];
  /** Violations of mandatory (or remediate) policies: these block `pulumi up`. */
  mandatory: PolicyViolation[];
}

export interface RunOptions {
  config?: PolicyPackConfig;
  policies?: IonPolicy[];
  /** Stack tags besides `pulumi:project` / `pulumi:runtime` (e.g. `ion-stage`). */
  stackTags?: Record<string, string>;
}

/** Thrown by `notApplicable()`, as the engine's server does, and caught per policy. */
class NotApplicable extends Error {}

function notApplicable(reason?: string): never {
  throw new NotApplicable(reason ?? "not applicable");
}

const STACK_TYPE = "pulumi:pulumi:Stack";
const PROJECT = "ion-deploy";

function key(resource: { type: string; name: string }): string {
  return `${resource.type}::${resource.name}`;
}

/** `urn:pulumi:<stack>::<project>::<parent types $-joined>$<type>::<name>`, as the engine builds it. */
function urnOf(resource: DeclaredResource, byKey: Map<string, DeclaredResource>, stage: string): string {
  const types: string[] = [resource.type];
  let parent = resource.parent ? byKey.get(key(resource.parent)) : undefined;
  while (parent && parent.type !== STACK_TYPE) {
    types.unshift(parent.type);
    parent = parent.parent ? byKey.get(key(parent.parent)) : undefined;
  }
  return `urn:pulumi:${stage}::${PROJECT}::${types.join("$")}::${resource.name}`;
}

/**
 * Values by which other resources refer to a resource under mocks: its mocked id and the
 * provider-computed outputs that identify it (ARN, ARN suffix, self link, computed name).
 */
function referenceValues(resource: DeclaredResource, outputs: Record<string, unknown>): string[] {
  const values = resource.custom ? [`${resource.name}-id`] : [];
  for (const field of ["id", "arn", "arnSuffix", "selfLink"]) {
    const value = outputs[field];
    if (typeof value === "string") values.push(value);
  }
  if (
    typeof outputs.name === "string" &&
    outputs.name !== resource.inputs.name &&
    outputs.name.includes("/")
  ) {
    values.push(outputs.name);
  }
  return values;
}

interface Prepared {
  declared: DeclaredResource;
  provider?: PolicyProviderResource;
  urn: string;
  props: Record<string, unknown>;
  outputs: Record<string, unknown>;
  opts: PolicyResourceOptions;
}

function prepare(rendered: RenderedStage): Prepared[] {
  const stage = rendered.config.stage;
  const byKey = new Map(rendered.resources.map((resource) => [key(resource), resource]));
  const urns = new Map(rendered.resources.map((resource) => [key(resource), urnOf(resource, byKey, stage)]));
  const providers = packageProviders(rendered.resources, urns);
  return rendered.resources.map((declared) => {
    const parentUrn = declared.parent ? urns.get(key(declared.parent)) : undefined;
    const provider = providers.get(declared.type.split(":")[0] ?? "");
    return {
      declared,
      ...(provider ? { provider } : {}),
      urn: urns.get(key(declared)) as string,
      props: declared.inputs,
      outputs: {
        ...declared.inputs,
        ...mockOutputs({
          type: declared.type,
          name: declared.name,
          inputs: declared.inputs,
          custom: declared.custom,
        }),
      },
      opts: {
        protect: false,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        ...(parentUrn ? { parent: parentUrn } : {}),
      },
    };
  });
}

/**
 * The explicit provider of each package, when the stage declares exactly one (the AWS stage's
 * regional provider): under mocks the link from a resource to its provider is not recorded.
 */
function packageProviders(
  resources: DeclaredResource[],
  urns: Map<string, string>,
): Map<string, PolicyProviderResource> {
  const byPackage = new Map<string, DeclaredResource[]>();
  for (const resource of resources) {
    const match = /^pulumi:providers:(.+)$/.exec(resource.type);
    if (match?.[1]) byPackage.set(match[1], [...(byPackage.get(match[1]) ?? []), resource]);
  }
  const providers = new Map<string, PolicyProviderResource>();
  for (const [pkg, declared] of byPackage) {
    const only = declared.length === 1 ? declared[0] : undefined;
    if (!only) continue;
    providers.set(pkg, {
      type: only.type,
      name: only.name,
      props: only.inputs,
      urn: urns.get(key(only)) as string,
    });
  }
  return providers;
}

type ResourceClass = { __pulumiType?: string; isInstance?: (value: unknown) => boolean };

/** The engine's type test: the class's `__pulumiType`, else its `isInstance`. */
function isTypeOf(type: string, resourceClass: unknown): boolean {
  const cls = resourceClass as ResourceClass;
  if (typeof cls.__pulumiType === "string") return cls.__pulumiType === type;
  return cls.isInstance?.({ __pulumiType: type }) === true;
}

/** The stack as `validateStack` sees it: outputs as props, parents and dependencies linked. */
function stackResources(prepared: Prepared[]): PolicyResource[] {
  const resources: PolicyResource[] = prepared.map((entry) => ({
    type: entry.declared.type,
    name: entry.declared.name,
    urn: entry.urn,
    props: entry.outputs,
    opts: entry.opts,
    dependencies: [],
    propertyDependencies: {},
    ...(entry.provider ? { provider: entry.provider } : {}),
    isType: (resourceClass) => isTypeOf(entry.declared.type, resourceClass),
    asType: ((resourceClass: unknown) =>
      isTypeOf(entry.declared.type, resourceClass) ? entry.outputs : undefined) as PolicyResource["asType"],
  }));
  const byUrn = new Map(resources.map((resource) => [resource.urn, resource]));
  // Mock ids are `<name>-id`, so resources of different types with one name share an id: a
  // reference then links to all of them (over-approximate; policies look for a specific type).
  const byReference = new Map<string, PolicyResource[]>();
  prepared.forEach((entry, index) => {
    for (const value of referenceValues(entry.declared, entry.outputs)) {
      byReference.set(value, [...(byReference.get(value) ?? []), resources[index] as PolicyResource]);
    }
  });
  prepared.forEach((entry, index) => {
    const resource = resources[index] as PolicyResource;
    if (entry.opts.parent) resource.parent = byUrn.get(entry.opts.parent);
    // Under mocks an Output's dependency is gone, but the value it resolved to still names its source.
    const dependencies = new Set<PolicyResource>();
    for (const [property, value] of Object.entries(entry.declared.inputs)) {
      const deps = [...new Set(strings(value).flatMap((text) => byReference.get(text) ?? []))].filter(
        (dep) => dep !== resource,
      );
      if (deps.length === 0) continue;
      resource.propertyDependencies[property] = deps;
      for (const dep of deps) dependencies.add(dep);
    }
    resource.dependencies = [...dependencies];
  });
  return resources;
}

function validations(policy: IonPolicy): ResourceValidation[] {
  if (!("validateResource" in policy) || policy.validateResource === undefined) return [];
  return [policy.validateResource].flat();
}

/** Runs every policy over the rendered stage with the given pack config. */
export async function runPolicies(rendered: RenderedStage, options: RunOptions = {}): Promise<PolicyRun> {
  const policies = options.policies ?? ALL_POLICIES;
  const config = options.config ?? {};
  const stackTags: ReadonlyMap<string, string> = new Map(
    Object.entries({ "pulumi:project": PROJECT, "pulumi:runtime": "nodejs", ...options.stackTags }),
  );
  const prepared = prepare(rendered);
  const stack = stackResources(prepared);
  const byUrn = new Map(prepared.map((entry) => [entry.urn, entry.declared]));
  const outcomes: PolicyOutcome[] = [];
  const violations: PolicyViolation[] = [];

  for (const policy of policies) {
    const enforcementLevel = enforcementLevelOf(policy, config);
    if (enforcementLevel === "disabled") {
      outcomes.push({ policy: policy.name, enforcementLevel, status: "disabled" });
      continue;
    }
    const settings = settingsOf(policy, config);
    const found: PolicyViolation[] = [];
    const record = (message: string, urn?: string) => {
      const declared = urn ? byUrn.get(urn) : undefined;
      found.push({
        policy: policy.name,
        enforcementLevel,
        ...(declared && urn ? { resource: { type: declared.type, name: declared.name, urn } } : {}),
        message,
      });
    };
    let applicable = false;
    for (const entry of prepared) {
      for (const validate of validations(policy)) {
        const args: ResourceValidationArgs = {
          type: entry.declared.type,
          props: entry.props,
          urn: entry.urn,
          name: entry.declared.name,
          opts: entry.opts,
          ...(entry.provider ? { provider: entry.provider } : {}),
          stackTags,
          isType: (resourceClass) => isTypeOf(entry.declared.type, resourceClass),
          asType: ((resourceClass: unknown) =>
            isTypeOf(entry.declared.type, resourceClass)
              ? entry.props
              : undefined) as ResourceValidationArgs["asType"],
          getConfig: <T extends object>() => settings as T,
          notApplicable,
        };
        try {
          await validate(args, (message) => record(message, entry.urn));
          applicable = true;
        } catch (error) {
          if (!(error instanceof NotApplicable)) throw policyError(policy, entry.declared, error);
        }
      }
    }
    if ("validateStack" in policy) {
      const args: StackValidationArgs = {
        resources: stack,
        stackTags,
        getConfig: <T extends object>() => settings as T,
        notApplicable,
      };
      try {
        await policy.validateStack(args, (message, urn) => record(message, urn));
        applicable = true;
      } catch (error) {
        if (!(error instanceof NotApplicable)) throw policyError(policy, undefined, error);
      }
    }
    outcomes.push({
      policy: policy.name,
      enforcementLevel,
      status: found.length > 0 ? "violated" : applicable ? "passed" : "not-applicable",
    });
    violations.push(...found);
  }
  return {
    stage: rendered.config.stage,
    resources: rendered.resources.filter((resource) => resource.type !== STACK_TYPE).length,
    outcomes,
    violations,
    mandatory: violations.filter(
      (violation) => violation.enforcementLevel === "mandatory" || violation.enforcementLevel === "remediate",
    ),
  };
}

function policyError(policy: IonPolicy, resource: DeclaredResource | undefined, error: unknown): Error {
  const where = resource ? ` on ${resource.type} "${resource.name}"` : "";
  return new Error(
    `policy ${policy.name} failed${where}: ${error instanceof Error ? error.message : String(error)}`,
    { cause: error },
  );
}
