/**
 * The command modules, each loaded when its command runs: `--help`, `--version` and a mistyped
 * option load commander alone, not the config schema (zod), the YAML parser or the cloud SDKs.
 * `require` under tsx/cjs (the bin's fallback: a dynamic `import()` would go through Node's ESM
 * loader, which cannot load the TypeScript sources) and in the bundle (esbuild keeps a required
 * module's body behind the call); `import()` where `require` cannot load TypeScript (vitest runs
 * the sources as ES modules).
 */
function lazy<T>(viaRequire: () => T, viaImport: () => Promise<T>): () => Promise<T> {
  return () => {
    try {
      return Promise.resolve(viaRequire());
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (error instanceof ReferenceError || code === "MODULE_NOT_FOUND") return viaImport();
      throw error;
    }
  };
}

export const commandModules = {
  backtest: lazy<typeof import("../rollout/commands/backtest")>(
    () => require("../rollout/commands/backtest"),
    () => import("../rollout/commands/backtest"),
  ),
  drive: lazy<typeof import("../rollout/commands/drive")>(
    () => require("../rollout/commands/drive"),
    () => import("../rollout/commands/drive"),
  ),
  explain: lazy<typeof import("../rollout/commands/explain")>(
    () => require("../rollout/commands/explain"),
    () => import("../rollout/commands/explain"),
  ),
  list: lazy<typeof import("../rollout/commands/list")>(
    () => require("../rollout/commands/list"),
    () => import("../rollout/commands/list"),
  ),
  operator: lazy<typeof import("../rollout/commands/operator")>(
    () => require("../rollout/commands/operator"),
    () => import("../rollout/commands/operator"),
  ),
  plan: lazy<typeof import("../rollout/commands/plan")>(
    () => require("../rollout/commands/plan"),
    () => import("../rollout/commands/plan"),
  ),
  reconcile: lazy<typeof import("../rollout/commands/reconcile")>(
    () => require("../rollout/commands/reconcile"),
    () => import("../rollout/commands/reconcile"),
  ),
  retire: lazy<typeof import("../rollout/commands/retire")>(
    () => require("../rollout/commands/retire"),
    () => import("../rollout/commands/retire"),
  ),
  status: lazy<typeof import("../rollout/commands/status")>(
    () => require("../rollout/commands/status"),
    () => import("../rollout/commands/status"),
  ),
  trace: lazy<typeof import("../rollout/commands/trace")>(
    () => require("../rollout/commands/trace"),
    () => import("../rollout/commands/trace"),
  ),
  lease: lazy<typeof import("../rollout/store/lease")>(
    () => require("../rollout/store/lease"),
    () => import("../rollout/store/lease"),
  ),
  records: lazy<typeof import("../rollout/store/rollout-records")>(
    () => require("../rollout/store/rollout-records"),
    () => import("../rollout/store/rollout-records"),
  ),
};
