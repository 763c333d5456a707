import type {
  EnforcementLevel,
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  Severity,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { z } from "zod";
import { jsonConfigSchema } from "./config";
import { describe, isOneOf } from "./types";

/** What every ion-deploy policy states besides its check. */
interface PolicyBase<S> {
  name: string;
  description: string;
  enforcementLevel: Exclude<EnforcementLevel, "remediate">;
  severity: Severity;
  remediationSteps: string;
  /** The policy's settings: defaults are the runbook numbers; the JSON Schema is derived from it. */
  settings: z.ZodType<S>;
}

/** A policy of this pack: a CrossGuard policy that also carries its zod settings schema. */
export type IonPolicy = (ResourceValidationPolicy | StackValidationPolicy) & { settings: z.ZodType<object> };

/** A resource checker: props, parsed settings, and a reporter; `args` for stack tags and the rest. */
export type ResourceCheck<S> = (
  props: Record<string, unknown>,
  settings: S,
  report: (message: string) => void,
  args: ResourceValidationArgs,
) => void;

/** A policy over resources of the given type tokens; any other type is "not applicable". */
export function resourcePolicy<S extends object>(
  base: PolicyBase<S>,
  types: string | readonly string[],
  check: ResourceCheck<S>,
): IonPolicy {
  return {
    ...base,
    configSchema: jsonConfigSchema(base.settings),
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
      if (!isOneOf(args.type, types)) {
        args.notApplicable(`only applies to ${[types].flat().join(", ")}`);
      }
      const settings = base.settings.parse(args.getConfig());
      // Every message starts with the resource it is about.
      check(args.props, settings, (message) => reportViolation(`${describe(args)}: ${message}`), args);
    },
  };
}

export type StackCheck<S> = (
  resources: PolicyResource[],
  settings: S,
  report: (message: string, resource?: PolicyResource) => void,
  args: StackValidationArgs,
) => void;

/** A policy over the whole stack (rules that span resources). */
export function stackPolicy<S extends object>(base: PolicyBase<S>, check: StackCheck<S>): IonPolicy {
  return {
    ...base,
    configSchema: jsonConfigSchema(base.settings),
    validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
      const settings = base.settings.parse(args.getConfig());
      check(
        args.resources,
        settings,
        (message, resource) =>
          resource
            ? reportViolation(`${describe(resource)}: ${message}`, resource.urn)
            : reportViolation(message),
        args,
      );
    },
  };
}

/** The resources of a stack with one of the given type tokens. */
export function ofType(resources: PolicyResource[], types: string | readonly string[]): PolicyResource[] {
  return resources.filter((resource) => isOneOf(resource.type, types));
}
