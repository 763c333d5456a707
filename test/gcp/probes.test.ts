import { describe, expect, it } from "vitest";
import { renderStage } from "../../src/synth/render";
import { inputs, prodWith, servicesWith, TYPES } from "./fixtures";

/**
 * Cloud Run services: a startup probe's `initialDelaySeconds` may be 0-240 s; the jobs page caps
 * `failureThreshold × periodSeconds` at 600 s, but services are reported to be capped at 240 s, so
 * the stricter rule is the one checked here
 * (https://docs.cloud.google.com/run/docs/configuring/healthchecks,
 *  https://docs.cloud.google.com/run/docs/configuring/jobs/healthchecks).
 */
const MAX_INITIAL_DELAY_SECONDS = 240;
const MAX_STARTUP_WINDOW_SECONDS = 240;

describe("Cloud Run startup probe stays within the services' limits", () => {
  for (const [mode, config] of [
    ["revisions", prodWith()],
    ["services", servicesWith()],
  ] as const) {
    it(`mode ${mode}: failureThreshold × periodSeconds and initialDelaySeconds ≤ 240 s`, async () => {
      const rendered = await renderStage(config);
      const services = rendered.resources.filter((resource) => resource.type === TYPES.service);
      expect(services.length).toBeGreaterThan(0);
      for (const service of services) {
        const probe = inputs(service).template.containers[0].startupProbe;
        expect(probe.failureThreshold * probe.periodSeconds).toBeLessThanOrEqual(MAX_STARTUP_WINDOW_SECONDS);
        expect(probe.initialDelaySeconds ?? 0).toBeLessThanOrEqual(MAX_INITIAL_DELAY_SECONDS);
        // A probe that can time out after the next one starts would overlap itself.
        expect(probe.timeoutSeconds).toBeLessThanOrEqual(probe.periodSeconds);
      }
    });
  }
});
