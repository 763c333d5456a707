import type { MockResourceArgs } from "@pulumi/pulumi/runtime";
import { awsMockOutputs } from "./aws";
import { gcpMockOutputs } from "./gcp";
import type { MockOutputs } from "./type";

const byType: Record<string, MockOutputs> = {};

export function registerMockOutputs(types: Record<string, MockOutputs>): void {
  Object.assign(byType, types);
}

registerMockOutputs(gcpMockOutputs);
registerMockOutputs(awsMockOutputs);

export function mockOutputs(args: MockResourceArgs): Record<string, unknown> {
  const specific = byType[args.type];
  const generic: Record<string, unknown> = { name: args.inputs.name ?? args.name };
  if (args.type.startsWith("aws:")) {
    const service = args.type.split(":")[1]?.split("/")[0] ?? "aws";
    generic.arn = `arn:aws:${service}:mock-region:123456789012:${args.name}`;
  }
  if (args.type.startsWith("gcp:")) {
    generic.selfLink = `https://www.googleapis.com/mock/${args.name}`;
  }
  return { ...generic, ...(specific ? specific(args) : {}) };
}
