import type { GateKind, GateRecord } from "../../core/gate/types";

/**
 * Probes that ask an endpoint before users reach it: the pre-traffic gate (the canary's own
 * endpoint, before the first step) and the post-promotion check (the public endpoint, after 100%).
 * The controller sees only `Gate`; `edges/from-config.ts` builds them from `rollout.preTraffic`.
 */

/** Where a probe sends its requests. */
export interface Endpoint {
  /** Base URL, no trailing slash: `https://canary---ion-api-xyz.a.run.app`. */
  url: string;
  /** Accept a self-signed or mismatched certificate (the AWS test listener only). */
  acceptSelfSigned?: boolean;
  /** Extra headers per request, e.g. `Authorization: Bearer <ID token>` for private Cloud Run. */
  headers?: () => Promise<Record<string, string>>;
}

export interface GateEndpoints {
  canary: Endpoint;
  stable: Endpoint;
  public: Endpoint;
}

/** Finds the endpoints when the gate runs (the stack's outputs, HAProxy's servers), not before. */
export type EndpointResolver = (signal?: AbortSignal) => Promise<GateEndpoints>;

export interface Gate {
  readonly kind: GateKind;
  /** One line for `plan` and logs. */
  readonly description: string;
  /** Runs the probes in order and stops at the first failure; never throws (a failure is a NO-GO). */
  check(signal?: AbortSignal): Promise<GateRecord>;
}
