import { LocalDirectoryStore } from "./backends/local-directory";
import { RolloutRecords } from "./rollout-records";

/**
 * The records of `stage` in a local directory store: what a stage whose `rollout.store` is the
 * state directory keeps there (the rehearsal and the tests read them this way).
 */
export function recordsInDirectory(dir: string, stage: string): RolloutRecords {
  return new RolloutRecords(new LocalDirectoryStore(dir), stage);
}
