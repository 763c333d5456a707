import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isJournalFile, readBacktestInput } from "../../../src/rollout/commands/backtest-input";
import { backtest } from "../../../src/rollout/core/backtest/replay";
import { parseTrace } from "../../../src/rollout/core/trace/format";
import { fileOf, journalKey, recordsIn } from "../../support/records";
import { tempDir } from "../fakes";
import { consecutiveProd, ROOT } from "../fixtures";

describe("backtest of a journal as the local directory store keeps it", () => {
  it("skips the store's version header line and replays the records", async () => {
    const checks = parseTrace(
      JSON.parse(readFileSync(join(ROOT, "test", "traces", "adequate-traffic-three-2pct.json"), "utf8")),
    );
    const records = backtest(consecutiveProd(), checks, 0).decisions;
    const dir = tempDir();
    const id = "2026-12-07T04:00:00.000Z-ion-api-v2";
    for (const record of records) await recordsIn(dir, "prod").appendRecord(id, record);
    const file = fileOf(dir, journalKey("prod", id));
    expect(readFileSync(file, "utf8").split("\n")[0]).toMatch(/^\{"version":"[^"]+","updatedAtMs":\d+\}$/);
    expect(isJournalFile(file)).toBe(true);
    const input = readBacktestInput(file, "prod");
    expect(input.kind).toBe("journal");
    expect(input.checks).toHaveLength(records.length);
  });
});
