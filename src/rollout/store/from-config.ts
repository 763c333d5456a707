import type { StoreConfig } from "../../config/store";
import { objectStoreFromConfig, type StoreDeps } from "./backends/from-config";
import type { ObjectStore } from "./object-store";

/** What opening a store needs from the layers above: Google tokens, a sleep, the environment, the project directory. */
export type StageStoreDeps = Pick<StoreDeps, "googleToken" | "sleep" | "env" | "projectDir">;

/**
 * The stage's store (`rollout.store`): a directory (`rollout.store.path`, relative to the project
 * directory; default `stateDir`, already resolved), or the configured bucket. The commands pass
 * the edges' Google token provider and sleep in (the store layer does not reach up into the edges).
 */
export function openStageStore(store: StoreConfig, stateDir: string, deps: StageStoreDeps): ObjectStore {
  if (store.kind === "directory")
    return objectStoreFromConfig({ kind: "directory", path: store.path ?? stateDir }, deps);
  return objectStoreFromConfig(store, deps);
}
