import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { stageSecret } from "../config/pulumi";

/**
 * ElastiCache AUTH tokens: 16-128 printable characters, and the only non-alphanumerics allowed are
 * `! & # $ ^ < > -` (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/auth.html).
 */
export const REDIS_AUTH_TOKEN_SPECIALS = "!&#$^<>-";
/**
 * DocumentDB master passwords: 8-100 printable ASCII characters except `/`, `"` and `@`
 * (https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/docdb/aws.sdk.kotlin.services.docdb.model/-modify-db-cluster-request/master-user-password.html);
 * `:` `?` `%` `#` `[` `]` are left out too, so the password needs no escaping in a connection string.
 */
export const DOCDB_PASSWORD_SPECIALS = "!$^&*()-_=+{}<>";

/** Why a configured Redis AUTH token would be rejected by ElastiCache, or undefined if it is fine. */
export function redisAuthTokenProblem(token: string): string | undefined {
  if (token.length < 16 || token.length > 128)
    return `is ${token.length} characters; ElastiCache takes 16-128`;
  const bad = [...new Set(token)].filter(
    (c) => !/[A-Za-z0-9]/.test(c) && !REDIS_AUTH_TOKEN_SPECIALS.includes(c),
  );
  return bad.length > 0
    ? `contains ${bad.join(" ")}; ElastiCache allows only ${REDIS_AUTH_TOKEN_SPECIALS}`
    : undefined;
}

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
          { length: 32, overrideSpecial: DOCDB_PASSWORD_SPECIALS },
          { parent: this },
        ).result,
    );
    const configuredToken = stageSecret("redisAuthToken")?.apply((token) => {
      const problem = redisAuthTokenProblem(token);
      // Fails the update before ElastiCache would, naming the key (the value stays secret).
      if (problem) throw new Error(`ion-deploy:redisAuthToken ${problem}`);
      return token;
    });
    this.redisAuthToken = pulumi.secret(
      configuredToken ??
        new random.RandomPassword(
          `${name}-redis`,
          { length: 48, overrideSpecial: REDIS_AUTH_TOKEN_SPECIALS },
          { parent: this },
        ).result,
    );
    this.registerOutputs({});
  }
}
