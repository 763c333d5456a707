import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Files that spend tens of seconds waiting on bake timers, real processes or `npm ci` (the
 * rehearsal environment, the standalone policy pack, the two-job handover) start first: on 2 cores
 * with four forks, shorter files then fill the cores around them instead of these becoming the
 * run's tail. Without a duration cache (a fresh clone, CI) vitest would order files by size alone.
 */
const LONG_WAITING = [
  /\/test\/rehearsal\/[^/]+\.test\.ts$/,
  /\/test\/policies\/standalone-pack\.test\.ts$/,
  /\/test\/rollout\/safety\/handover\.test\.ts$/,
];

const waitsLong = (file: TestSpecification): boolean =>
  LONG_WAITING.some((pattern) => pattern.test(file.moduleId));

export default class LongWaitsFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    return [...sorted.filter(waitsLong), ...sorted.filter((file) => !waitsLong(file))];
  }
}
