import type { StoreConfig } from "../../config/store";
import { objectStoreFromConfig, type StoreDeps } from "./backends/from-config";
import type { ObjectStore } from "./object-store";

/** What opening a bucket needs from the layers above: Google tokens, and the environment. */
export type StageStoreDeps = Pick<StoreDeps, "googleToken" | "env">;

/**
 * The stage's store (`rollout.store`): the local directory `stateDir` (already resolved against
 * the project directory), or the configured bucket. The commands pass the edges' Google token
 * provider in (the store layer does not reach up into the edges).
 */
export function openStageStore(store: StoreConfig, stateDir: string, deps: StageStoreDeps): ObjectStore {
  if (store.kind === "directory") return objectStoreFromConfig({ kind: "directory", path: stateDir }, deps);
  return objectStoreFromConfig(store, deps);
}
