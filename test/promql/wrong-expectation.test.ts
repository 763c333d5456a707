import { describe, expect, it } from "vitest";
import { loadStageConfig } from "../../src/config";
import { rollbackRules } from "../../src/signals";
import { promtool } from "./promtool";
import { breachTest, breachTimeline, RULES_FILE, rulesFile, TEST_FILE, testFile } from "./suites";

/** The suites would be worthless if promtool passed whatever we expected: prove it fails. */
describe("promtool: a wrong expectation fails the suite", () => {
  const config = loadStageConfig("prod");
  const [rule] = rollbackRules(config);
  if (!rule) throw new Error("prod has no roll-back rules");

  it("expecting the alert one interval before the consecutive window makes promtool exit non-zero", () => {
    const right = breachTimeline(config, rule);
    const early = {
      ...right,
      firesAt: right.pendingAt,
      pendingAt: right.pendingAt - config.rollout.checkIntervalSeconds,
    };
    const result = promtool(["test", "rules", TEST_FILE], {
      [RULES_FILE]: rulesFile(config),
      [TEST_FILE]: testFile(config, [breachTest(config, rule, early)]),
    });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain("FAILED");
    expect(result.output).toContain(`alertname: ${rule.alert}, time: ${early.firesAt / 60}m`);
  });

  it("expecting a query value it does not compute makes promtool exit non-zero", () => {
    const result = promtool(["test", "rules", TEST_FILE], {
      [TEST_FILE]: {
        rule_files: [],
        evaluation_interval: "60s",
        tests: [
          {
            interval: "60s",
            input_series: [],
            promql_expr_test: [
              { expr: "vector(0)", eval_time: "0s", exp_samples: [{ labels: "{}", value: 1 }] },
            ],
          },
        ],
      },
    });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain("FAILED");
  });
});
