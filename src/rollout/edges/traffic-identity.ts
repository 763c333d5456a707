import { realpathSync, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import type { StageConfig } from "../../config";

/**
 * What a stage drives, named the way the platform knows it, so the lease (store/lease.ts) is one
 * per real target whatever stage name, state directory or path reaches it.
 *
 * - HAProxy: the runtime socket's device and inode (the same socket however it is reached: a
 *   symlink, a relative path from another working directory, a bind mount) and the backend name.
 *   A unix socket can only be driven from this host, so a host-local identity is the whole truth.
 * - Cloud Run revisions: project, region and service, the resource whose `traffic` the split is.
 * - Cloud Run blue/green: project and the URL map (`<service>-split`) whose weights are the split.
 * - ALB: region and the stage's HTTPS listener (`<stage>-<service>-https`), the forward action
 *   whose target-group weights are the split.
 */
export interface TrafficIdentity {
  /** The platform's identity of what is driven: equal keys, one target. */
  key: string;
  description: string;
  /**
   * Only this host can drive it (a unix socket that exists here): its lease lives in one place
   * per host, whatever store the stage names, so runners with other state directories see it.
   */
  hostLocal?: boolean;
}

export function trafficIdentity(cfg: StageConfig, projectDir: string): TrafficIdentity {
  if (cfg.platform === "local" && cfg.local) return haproxyIdentity(cfg.local, projectDir);
  if (cfg.platform === "gcp" && cfg.gcp) {
    const { project, region, mode } = cfg.gcp;
    return mode === "services"
      ? {
          key: `gcp:${project}:urlmap:${cfg.service.name}-split`,
          description: `URL map ${cfg.service.name}-split in ${project}`,
        }
      : {
          key: `gcp:${project}:${region}:run:${cfg.service.name}`,
          description: `Cloud Run service ${cfg.service.name} in ${project}/${region}`,
        };
  }
  const region = cfg.aws?.region ?? "unknown-region";
  return {
    key: `aws:${region}:listener:${cfg.stage}:${cfg.service.name}-https`,
    description: `ALB listener ${cfg.service.name}-https of stage ${cfg.stage} in ${region}`,
  };
}

function haproxyIdentity(local: NonNullable<StageConfig["local"]>, projectDir: string): TrafficIdentity {
  const path = isAbsolute(local.haproxySocket)
    ? local.haproxySocket
    : resolve(projectDir, local.haproxySocket);
  let real: string;
  let stat: { dev: number; ino: number };
  try {
    real = realpathSync(path);
    stat = statSync(real);
  } catch {
    // No socket here, so nothing on this host can drive it: named by its path, the driver reports why.
    return {
      key: `haproxy:path=${path}:backend=${local.backend}`,
      description: `HAProxy ${path} backend ${local.backend}`,
    };
  }
  return {
    key: `haproxy:dev=${stat.dev}:ino=${stat.ino}:backend=${local.backend}`,
    description: `HAProxy ${real} backend ${local.backend}`,
    hostLocal: true,
  };
}
