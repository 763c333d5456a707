// The CrossGuard entry point (`pulumi preview --policy-pack policies`). Building a PolicyPack starts
// its gRPC server, so only this file does; tests and `ion-deploy synth --policies` import ./all.
import { PolicyPack } from "@pulumi/policy";
import { ALL_POLICIES } from "./all";

new PolicyPack("ion-deploy-guardrails", {
  policies: ALL_POLICIES,
  description:
    "ion-deploy guardrails: roll-back alert thresholds no looser than the runbooks, whole traffic splits, canaries stepped only by the runner, and the staging security checklist.",
  displayName: "ion-deploy guardrails",
});
