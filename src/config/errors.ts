/** The project's config namespace and the error every invalid config raises, naming each key. */

export const CONFIG_NAMESPACE = "ion-deploy";

export interface ConfigIssue {
  /** Dotted key path under the `ion-deploy:` namespace, e.g. `rollout.steps`. */
  path: string;
  message: string;
}

/** Invalid stage config. Thrown before any resource is declared or any weight is changed. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly issues: ConfigIssue[],
  ) {
    super(
      `invalid stage config (${source}):\n${issues.map((issue) => `  - ${CONFIG_NAMESPACE}:${issue.path}: ${issue.message}`).join("\n")}`,
    );
    this.name = "ConfigError";
  }
}
