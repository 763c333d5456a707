import type { MockResourceArgs } from "@pulumi/pulumi/runtime";

/**
 * Provider-computed outputs a real deployment would fill in (ids, ARNs, URLs) for one resource
 * type, given plausible values so that program code reading them runs under mocks.
 */
export type MockOutputs = (args: MockResourceArgs) => Record<string, unknown>;
