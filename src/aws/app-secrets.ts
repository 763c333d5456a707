import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface AppSecretsArgs {
  /** Secret values by the environment variable the container reads them as. */
  values: Record<string, pulumi.Input<string>>;
  kmsKeyArn: pulumi.Input<string>;
}

/**
 * Secrets Manager entries the tasks read at start (container `secrets`), so no credential appears
 * in a task definition. Encrypted with the stage key.
 */
export class AppSecrets extends pulumi.ComponentResource {
  /** Environment variable → secret ARN. */
  readonly arns: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: AppSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ion-deploy:aws:AppSecrets", name, {}, opts);
    this.arns = {};
    for (const [variable, value] of Object.entries(args.values)) {
      const id = `${name}-${variable.toLowerCase().replace(/_/g, "-")}`;
      const secret = new aws.secretsmanager.Secret(
        id,
        { description: `${variable} for the app`, kmsKeyId: args.kmsKeyArn, recoveryWindowInDays: 7 },
        { parent: this },
      );
      new aws.secretsmanager.SecretVersion(
        id,
        { secretId: secret.id, secretString: pulumi.secret(value) },
        { parent: this },
      );
      this.arns[variable] = secret.arn;
    }
    this.registerOutputs({ arns: this.arns });
  }
}
