import { gcpSettings } from "./gcp-settings";
import { runtimeServiceAccountEmail } from "./runtime-account";
import type { Release, StageConfig } from "./schema";

/**
 * What a Cloud Run revision of a release runs, as plain data from the stage config (no SDK): the
 * GCP stack declares it, and the revision's name is derived from it (cloud-run-revision-names.ts),
 * which the signals select metrics by. So it sits here, below both.
 */

interface Probe {
  initialDelaySeconds?: number;
  periodSeconds: number;
  failureThreshold: number;
  timeoutSeconds: number;
  httpGet: { path: string; port: number };
}

/** The fields of Cloud Run v2's `ServiceTemplate` this project sets. */
export interface RevisionTemplate {
  revision?: string;
  serviceAccount: string;
  scaling: { minInstanceCount: number; maxInstanceCount: number };
  containers: {
    image: string;
    ports: { containerPort: number };
    resources: { limits: { cpu: string; memory: string } };
    startupProbe: Probe;
    livenessProbe: Probe;
  }[];
}

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
export function revisionTemplate(cfg: StageConfig, release: Release, revision?: string): RevisionTemplate {
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
