import type * as gcp from "@pulumi/gcp";
import type { Release, StageConfig } from "../config";
import { gcpSettings } from "./settings";

type Template = gcp.types.input.cloudrunv2.ServiceTemplate;

/** Probe timing: a revision gets up to 5 minutes to start, then is restarted after 3 failed checks. */
const STARTUP = { periodSeconds: 10, failureThreshold: 30, timeoutSeconds: 5 };
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
