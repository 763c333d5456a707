import type { StoreConfig } from "../../config/store";
import { LocalDirectoryStore } from "./backends/local-directory";
import type { ObjectStore } from "./object-store";

/**
 * The stage's store (`rollout.store`): the local directory `stateDir` (already resolved against
 * the project directory), or the configured bucket.
 */
export function openStageStore(store: StoreConfig, stateDir: string): ObjectStore {
  if (store.kind === "directory") return new LocalDirectoryStore(stateDir);
  throw new Error(
    `rollout.store.kind ${store.kind} (bucket ${store.bucket}) is not available in this build; use rollout.store.kind: directory`,
  );
}
