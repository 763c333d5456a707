import type { StageConfig } from "../../config";
import { googleBearerToken } from "../edges/metrics/google-token";
import { abortableSleep } from "../edges/sleep";
import { openStageStore, type StageStoreDeps } from "../store/from-config";
import type { ObjectStore } from "../store/object-store";
import { RolloutRecords } from "../store/rollout-records";

/**
 * The stage's store as the runner and every command open it (`rollout.store`): where its rollout
 * records live (state, journal, operator requests), and the lease on a target other hosts can
 * drive too (traffic-lease.ts).
 */

export interface StoreScope {
  cfg: StageConfig;
  /** The project directory (the stage file's): a relative `rollout.store.path` resolves against it. */
  projectDir: string;
  /** The stage's resolved state directory (the store when `rollout.store.kind` is directory without a path). */
  stateDir: string;
  /** Google tokens and the environment for a bucket store (default: the edges' ADC tokens, `process.env`). */
  storeDeps?: Partial<StageStoreDeps>;
}

/** The store opened for each scope: a bucket store's client and Google token are made once per scope, not per read. */
const opened = new WeakMap<StoreScope, ObjectStore>();

export function stageStore(scope: StoreScope): ObjectStore {
  let store = opened.get(scope);
  if (!store) {
    store = openStageStore(storeWithRegion(scope.cfg), scope.stateDir, {
      googleToken: scope.storeDeps?.googleToken ?? googleBearerToken,
      sleep: scope.storeDeps?.sleep ?? abortableSleep,
      projectDir: scope.projectDir,
      ...(scope.storeDeps?.env ? { env: scope.storeDeps.env } : {}),
    });
    opened.set(scope, store);
  }
  return store;
}

/** The rollout's records (state, journal, requests) in the stage's store. */
export function stageRecords(scope: StoreScope): RolloutRecords {
  return new RolloutRecords(stageStore(scope), scope.cfg.stage);
}

/** An S3 store without its own region is in the stage's (`aws.region`), as config.md says. */
function storeWithRegion(cfg: StageConfig): StageConfig["rollout"]["store"] {
  const store = cfg.rollout.store;
  if (store.kind !== "s3" || store.region || !cfg.aws?.region) return store;
  return { ...store, region: cfg.aws.region };
}
