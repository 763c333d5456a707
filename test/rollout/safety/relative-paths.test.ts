import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { abortCommand } from "../../../src/rollout/commands/operator";
import { statusCommand } from "../../../src/rollout/commands/status";
import { bufferedStreams } from "../fakes";
import { type LocalFake, localConfig, localFake } from "./local-fakes";

/**
 * Every relative path in a stage file resolves against the stage file's directory, whatever the
 * working directory: the HAProxy socket the driver talks to is the one the lease is keyed on, and
 * the state directory is the one status reads. The commands run here with the repository as
 * working directory and `--config` naming a stage file in another directory.
 */

// The commands load the edges as the CLI does (its lazy require needs the bin's tsx hook).
vi.mock("../../../src/rollout/edges/load", async () => {
  const fromConfig = await import("../../../src/rollout/edges/from-config");
  return { loadEdges: () => fromConfig };
});

const fakes: LocalFake[] = [];
afterAll(async () => {
  for (const fake of fakes) await fake.close();
});

/** The fake's stage file with its socket, apps file and state directory relative to the file. */
async function relativeStage() {
  const fake = await localFake();
  fakes.push(fake);
  const file = localConfig(fake);
  const text = readFileSync(file, "utf8")
    .replace(`haproxySocket: ${fake.socket}`, "haproxySocket: haproxy.sock")
    .replace(`appsFile: ${fake.appsFile}`, "appsFile: apps.json")
    .replace(`stateDir: ${fake.stateDir}`, "stateDir: state");
  writeFileSync(file, text);
  expect(text).not.toContain(fake.dir);
  expect(process.cwd()).not.toBe(fake.dir);
  return { fake, file };
}

describe("relative paths in the stage file, from another working directory", () => {
  it("abort with no runner reverts through the stage file's socket, and status --live reads the state and split beside it", async () => {
    const { fake, file } = await relativeStage();
    fake.weights["app/canary"] = 5;
    fake.weights["app/stable"] = 95;
    const aborted = bufferedStreams();
    expect(await abortCommand("e2e", { config: file }, aborted.io)).toBe(0);
    expect(fake.weights).toEqual({ "app/canary": 0, "app/stable": 100 });
    const status = bufferedStreams();
    expect(await statusCommand("e2e", { config: file, json: true, live: true }, status.io)).toBe(2);
    const doc = JSON.parse(status.out()) as { state: { status: string }; served: unknown };
    expect(doc.state.status).toBe("reverted");
    expect(doc.served).toEqual({ weight: 0 });
    // The state directory is beside the stage file, not in the working directory.
    expect(existsSync(join(fake.dir, "state"))).toBe(true);
    expect(existsSync(join(process.cwd(), "state"))).toBe(false);
  });
});
