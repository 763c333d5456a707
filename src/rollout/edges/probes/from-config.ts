import type { StageConfig } from "../../../config";
import { abortableSleep } from "../sleep";
import { endpointResolver, type ReadOutputs } from "./endpoints";
import { postPromotionGate, preTrafficGate } from "./gate";
import { type IdTokenClientFactory, idTokenHeaders } from "./id-token";
import type { Gate } from "./types";

/**
 * The gates of a stage from `rollout.preTraffic`: undefined when switched off. Cloud Run stages
 * that are not public get an ID token per request (`auth: auto`), audience the endpoint's origin
 * unless `audience` is set.
 */

export interface StageGates {
  preTraffic?: Gate;
  postPromotion?: Gate;
}

export interface GateBuildOptions {
  projectDir: string;
  /** The canary release's name (RELEASE). */
  release: string;
  readOutputs: ReadOutputs;
  env?: NodeJS.ProcessEnv;
  idTokens?: IdTokenClientFactory;
}

export function needsIdToken(cfg: StageConfig): boolean {
  const auth = cfg.rollout.preTraffic.auth;
  return (
    auth === "google-id-token" || (auth === "auto" && cfg.platform === "gcp" && cfg.gcp?.public !== true)
  );
}

export function buildGates(cfg: StageConfig, options: GateBuildOptions): StageGates {
  const pre = cfg.rollout.preTraffic;
  if (!pre.enabled) return {};
  const headersFor = needsIdToken(cfg)
    ? (url: string) => idTokenHeaders(pre.audience ?? new URL(url).origin, options.idTokens)
    : undefined;
  const resolve = endpointResolver(cfg, {
    workDir: options.projectDir,
    readOutputs: options.readOutputs,
    ...(headersFor ? { headersFor } : {}),
  });
  const gateOptions = {
    cfg,
    resolve,
    release: options.release,
    projectDir: options.projectDir,
    sleep: (ms: number, signal?: AbortSignal) => abortableSleep(ms, signal).catch(() => undefined),
    ...(options.env ? { env: options.env } : {}),
  };
  return {
    preTraffic: preTrafficGate(gateOptions),
    ...(pre.postPromotionCheck ? { postPromotion: postPromotionGate(gateOptions) } : {}),
  };
}
