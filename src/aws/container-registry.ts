import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { StageConfig } from "../config";
import { awsSettings } from "./settings";

export interface ContainerRegistryArgs {
  /** Reads `aws.ecr` (repository name, defaulting to `service.name`; images kept). */
  config: StageConfig;
}

/**
 * The ECR repository releases are pushed to: images scanned on push, tags immutable
 * (a release's tag always names the same image), images beyond `keepImages` expired.
 */
export class ContainerRegistry extends pulumi.ComponentResource {
  readonly repository: aws.ecr.Repository;

  constructor(name: string, args: ContainerRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ion-deploy:aws:ContainerRegistry", name, {}, opts);
    const settings = awsSettings(args.config).ecr;
    this.repository = new aws.ecr.Repository(
      name,
      {
        name: settings.repositoryName ?? args.config.service.name,
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: "AES256" }],
        forceDelete: settings.forceDelete,
      },
      // Release images outlive a staging teardown: `pulumi destroy` leaves the repository.
      { parent: this, retainOnDelete: true },
    );
    new aws.ecr.LifecyclePolicy(
      name,
      {
        repository: this.repository.name,
        policy: JSON.stringify({
          rules: [
            {
              rulePriority: 1,
              description: `keep the newest ${settings.keepImages} images`,
              selection: {
                tagStatus: "any",
                countType: "imageCountMoreThan",
                countNumber: settings.keepImages,
              },
              action: { type: "expire" },
            },
          ],
        }),
      },
      { parent: this },
    );
    this.registerOutputs({ repositoryUrl: this.repository.repositoryUrl });
  }
}
