import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { StageConfig } from "../config";
import { gcpSettings } from "../config/gcp-settings";
import { runtimeServiceAccountId } from "../config/runtime-account";

/**
 * The service's own runtime identity. Without one, revisions run as the project's default
 * compute service account (broad Editor rights in many projects); with one, the revision can do
 * only what this account is granted. Cloud Run requires the deployer to be able to act as it
 * (`iam.serviceAccounts.actAs`, in roles/iam.serviceAccountUser), granted here on this account
 * only, to the identities in `gcp.deployers` (docs/cloud-edges.md quotes the rule).
 */

export const ACT_AS_ROLE = "roles/iam.serviceAccountUser";

export class RuntimeIdentity extends pulumi.ComponentResource {
  readonly account: gcp.serviceaccount.Account;
  readonly deployers: gcp.serviceaccount.IAMMember[];

  constructor(name: string, args: { config: StageConfig }, opts?: pulumi.ComponentResourceOptions) {
    super("ion-deploy:gcp:RuntimeIdentity", name, {}, opts);
    const cfg = args.config;
    const settings = gcpSettings(cfg);
    this.account = new gcp.serviceaccount.Account(
      name,
      {
        accountId: runtimeServiceAccountId(cfg),
        project: settings.project,
        displayName: `${cfg.service.name} (${cfg.stage}) Cloud Run runtime`,
        description: "Identity the service's revisions run as; grant it only what the app needs.",
      },
      { parent: this },
    );
    this.deployers = settings.deployers.map(
      (member, i) =>
        new gcp.serviceaccount.IAMMember(
          `${name}-act-as-${i}`,
          { serviceAccountId: this.account.name, role: ACT_AS_ROLE, member },
          { parent: this },
        ),
    );
    this.registerOutputs({ email: this.account.email });
  }
}
