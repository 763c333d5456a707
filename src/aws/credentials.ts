import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { stageSecret } from "../config/pulumi";

/** Characters DocumentDB and Redis both accept in a password (no `/`, `"`, `@` or spaces). */
const SAFE_SPECIALS = "!#$%^&*()-_=+[]{}<>:?";

/**
 * The data stores' credentials: the stack's secret config when set (`docdbMasterPassword`,
 * `redisAuthToken`), otherwise generated once by `@pulumi/random` and kept in state. Secret either way.
 */
export class StageCredentials extends pulumi.ComponentResource {
  readonly docdbMasterPassword: pulumi.Output<string>;
  readonly redisAuthToken: pulumi.Output<string>;

  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("ion-deploy:aws:StageCredentials", name, {}, opts);
    this.docdbMasterPassword = pulumi.secret(
      stageSecret("docdbMasterPassword") ??
        new random.RandomPassword(
          `${name}-docdb`,
          { length: 32, overrideSpecial: SAFE_SPECIALS },
          { parent: this },
        ).result,
    );
    // Redis AUTH tokens: 16-128 printable characters.
    this.redisAuthToken = pulumi.secret(
      stageSecret("redisAuthToken") ??
        new random.RandomPassword(
          `${name}-redis`,
          { length: 48, overrideSpecial: SAFE_SPECIALS },
          { parent: this },
        ).result,
    );
    this.registerOutputs({});
  }
}
