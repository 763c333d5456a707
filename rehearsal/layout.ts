import { isAbsolute, join, resolve } from "node:path";
import type { LocalStage, StageConfig } from "../src/config";

/**
 * Where everything of one rehearsal environment lives: loopback ports from the stage's `local`
 * block, generated configs, logs and Prometheus data under one work directory (`.rehearsal/`).
 */
export interface RehearsalLayout {
  projectDir: string;
  workDir: string;
  local: LocalStage;
  serviceName: string;
  healthPath: string;
  haproxySocket: string;
  haproxyConfig: string;
  frontendUrl: string;
  statsUrl: string;
  prometheusUrl: string;
  prometheusPort: number;
  prometheusConfig: string;
  prometheusDataDir: string;
  logDir: string;
  /** Written while an environment is up (`--keep` leaves it), so a later run can stop it. */
  pidFile: string;
}

export function layoutFor(cfg: StageConfig, workDir: string, projectDir = process.cwd()): RehearsalLayout {
  const local = cfg.local;
  if (!local)
    throw new Error(`stage ${cfg.stage} is platform ${cfg.platform}; the rehearsal needs platform: local`);
  const absolute = (path: string) => (isAbsolute(path) ? path : resolve(projectDir, path));
  const prometheus = new URL(local.prometheusUrl);
  if (!["127.0.0.1", "localhost"].includes(prometheus.hostname)) {
    throw new Error(`local.prometheusUrl must be on loopback (127.0.0.1), got ${local.prometheusUrl}`);
  }
  const dir = absolute(workDir);
  return {
    projectDir,
    workDir: dir,
    local,
    serviceName: cfg.service.name,
    healthPath: cfg.service.healthPath,
    haproxySocket: absolute(local.haproxySocket),
    haproxyConfig: join(dir, "haproxy.cfg"),
    frontendUrl: `http://127.0.0.1:${local.frontendPort}`,
    statsUrl: `http://127.0.0.1:${local.statsPort}/`,
    prometheusUrl: local.prometheusUrl.replace(/\/+$/, ""),
    prometheusPort: Number(prometheus.port || 80),
    prometheusConfig: join(dir, "prometheus.yml"),
    prometheusDataDir: join(dir, "prometheus-data"),
    logDir: join(dir, "logs"),
    pidFile: join(dir, "pids.json"),
  };
}
