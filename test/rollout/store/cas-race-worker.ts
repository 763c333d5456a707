import { createInterface } from "node:readline";
import { LocalDirectoryStore } from "../../../src/rollout/store/backends/local-directory";

/**
 * One racer of local-directory-race.test.ts, bundled to plain JS so that dozens start fast. For
 * each line on stdin (`{"key":…,"ifVersion"?:…}`, sent to every racer at once) it makes one
 * conditional write and prints `won` or the error's name.
 */

const store = new LocalDirectoryStore(process.argv[2] ?? "");
const lines = createInterface({ input: process.stdin });
lines.on("line", async (line) => {
  const { key, ifVersion } = JSON.parse(line) as { key: string; ifVersion?: string };
  try {
    await store.write(key, `racer ${process.pid}`, ifVersion ? { ifVersion } : { ifAbsent: true });
    process.stdout.write(`won ${process.pid}\n`);
  } catch (error) {
    process.stdout.write(`${(error as Error).name}\n`);
  }
});
process.stdout.write("ready\n");
