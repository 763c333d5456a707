import { describe, expect, it } from "vitest";
import { ruleGroups } from "../../src/k8s/prometheus-rules";
import { rollbackRules } from "../../src/signals";
import { stageVariants } from "./fixtures";
import { promtool, requirePromtool } from "./promtool";
import {
  breachTest,
  DISTRIBUTIONS,
  RULES_FILE,
  rulesFile,
  sustainedTest,
  TEST_FILE,
  testFile,
} from "./suites";

/**
 * Every roll-back rule of every stage shape, run by the real Prometheus rule engine: the rules
 * file must load, and each alert must fire exactly when the runner's last breaching check happens,
 * not one interval before, and clear once the canary is healthy.
 */
describe("promtool: roll-back rules", () => {
  it("promtool is installed", () => {
    expect(requirePromtool()).toMatch(/promtool, version/);
  });

  for (const { name, config } of stageVariants()) {
    describe(name, () => {
      const rules = rollbackRules(config);

      it("the generated rules file passes `promtool check rules`", () => {
        const result = promtool(["check", "rules", RULES_FILE], { [RULES_FILE]: rulesFile(config) });
        expect(result.output).toContain(`SUCCESS: ${rules.length} rules found`);
        expect(result.code).toBe(0);
        expect(ruleGroups(config)[0]?.rules).toHaveLength(rules.length);
      });

      it("each alert fires after its consecutive window, not one interval before, and clears when healthy", () => {
        const tests = rules.map((rule) => breachTest(config, rule));
        const result = promtool(["test", "rules", TEST_FILE], {
          [RULES_FILE]: rulesFile(config),
          [TEST_FILE]: testFile(config, tests),
        });
        expect(result.output).toContain("SUCCESS");
        expect(result.code).toBe(0);
      });

      it("a histogram signal with a known P95 above the limit fires; one below it never does", () => {
        const histogramRules = rules.filter((rule) => rule.signal !== "errorRate");
        const tests = histogramRules.flatMap((rule) => [
          sustainedTest(config, rule, DISTRIBUTIONS.aboveLimit, true),
          sustainedTest(config, rule, DISTRIBUTIONS.belowLimit, false),
        ]);
        const result = promtool(["test", "rules", TEST_FILE], {
          [RULES_FILE]: rulesFile(config),
          [TEST_FILE]: testFile(config, tests),
        });
        expect(result.output).toContain("SUCCESS");
        expect(result.code).toBe(0);
      });
    });
  }
});
