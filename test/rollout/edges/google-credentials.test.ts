import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { describeUnhandled } from "../../../src/cli/ion-rollout";
import { googleBearerToken } from "../../../src/rollout/edges/metrics/google-token";
import { tempDir } from "../fakes";

const saved = process.env.GOOGLE_APPLICATION_CREDENTIALS;
afterEach(() => {
  if (saved === undefined) delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
  else process.env.GOOGLE_APPLICATION_CREDENTIALS = saved;
});

describe("missing Google credentials", () => {
  it("are refused with the ways to provide them, not the auth library's words alone", async () => {
    const missing = join(tempDir(), "no-such-key.json");
    process.env.GOOGLE_APPLICATION_CREDENTIALS = missing;
    const thrown = await googleBearerToken(["https://www.googleapis.com/auth/devstorage.read_write"])().catch(
      (error: unknown) => error as Error,
    );
    expect(thrown).toBeInstanceOf(Error);
    const message = (thrown as Error).message;
    expect(message).toContain("devstorage.read_write");
    expect(message).toContain(missing);
    expect(message).toContain("gcloud auth application-default login");
    expect(message).toContain("google-github-actions/auth");
  });
});

describe("an error no command handled", () => {
  const error = new Error("no Google credentials for the rollout store");

  it("prints its message alone, with how to see the stack", () => {
    const text = describeUnhandled(error, {});
    expect(text.split("\n")[0]).toBe("ion-rollout: no Google credentials for the rollout store");
    expect(text).not.toMatch(/^\s+at /m);
    expect(text).toContain("ION_ROLLOUT_DEBUG=1");
  });

  it("prints the stack with ION_ROLLOUT_DEBUG=1", () => {
    expect(describeUnhandled(error, { ION_ROLLOUT_DEBUG: "1" })).toMatch(/^\s+at /m);
  });
});
