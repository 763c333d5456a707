import { coveragePolicies } from "./coverage";
import type { IonPolicy } from "./define";
import { awsSecurityPolicies } from "./security-aws";
import { gcpSecurityPolicies } from "./security-gcp";
import { testListenerPolicies } from "./test-listener";
import { thresholdPolicies } from "./thresholds";
import { trafficPolicies } from "./traffic";

/** Every policy of the pack, by domain. `index.ts` builds the pack from it; the harness runs it. */
export const ALL_POLICIES: IonPolicy[] = [
  ...thresholdPolicies,
  ...coveragePolicies,
  ...trafficPolicies,
  ...gcpSecurityPolicies,
  ...awsSecurityPolicies,
  ...testListenerPolicies,
];
