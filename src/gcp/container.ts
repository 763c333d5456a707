import type * as gcp from "@pulumi/gcp";
import type { Release, StageConfig } from "../config";
import { runtimeServiceAccountEmail } from "./runtime-account";
import { gcpSettings } from "./settings";

type Template = gcp.types.input.cloudrunv2.ServiceTemplate;

/**
 * Probe timing: a new instance gets 24 × 10 s = 240 s to answer its startup probe; once started it
 * is restarted after 3 failed liveness checks. Cloud Run services take `initialDelaySeconds` ≤ 240 and,
 * as users report, `failureThreshold × periodSeconds` ≤ 240 (the jobs page says 600): the stricter
 * rule holds (https://docs.cloud.google.com/run/docs/configuring/healthchecks). An app that needs
 * longer can add `initialDelaySeconds` (up to 240) before the first check.
 */
const STARTUP = { initialDelaySeconds: 0, periodSeconds: 10, failureThreshold: 24, timeoutSeconds: 5 };
const LIVENESS = { periodSeconds: 15, failureThreshold: 3, timeoutSeconds: 5 };

/**
 * The revision template for one release: image, port, resources, scaling and health probes on the
 * service's health path. `revision` pins the revision name (mode revisions); omit it to let Cloud
 * Run name revisions (mode services).
 */
export function revisionTemplate(cfg: StageConfig, release: Release, revision?: string): Template {
  const settings = gcpSettings(cfg);
  const httpGet = { path: cfg.service.healthPath, port: cfg.service.port };
  return {
    ...(revision ? { revision } : {}),
    // A dedicated identity, never the project's default compute account (runtime-identity.ts).
    serviceAccount: runtimeServiceAccountEmail(cfg),
    scaling: { minInstanceCount: settings.minInstances, maxInstanceCount: settings.maxInstances },
    containers: [
      {
        image: release.image,
        ports: { containerPort: cfg.service.port },
        resources: { limits: { cpu: settings.cpu, memory: settings.memory } },
        startupProbe: { ...STARTUP, httpGet },
        livenessProbe: { ...LIVENESS, httpGet },
      },
    ],
  };
}
