import type { StageConfig } from "../../../config";
import type { ReadOutputs, StackOutputs } from "./endpoints";

/** The stage stack's outputs through the Automation API, read only when a gate asks (cloud stages). */
export function stackOutputsReader(cfg: StageConfig, workDir: string): ReadOutputs {
  return async () => {
    const { LocalWorkspace } =
      require("@pulumi/pulumi/automation") as typeof import("@pulumi/pulumi/automation");
    const stack = await LocalWorkspace.selectStack({ stackName: cfg.stage, workDir });
    return (await stack.outputs()) as StackOutputs;
  };
}
