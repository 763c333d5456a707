import { z } from "zod";
import type { Check } from "../analysis/check";
import type { SideSample } from "../sample/sample";

/**
 * The backtest trace format (docs/rollout.md), stable across versions:
 * `{ "checks": [ { "at": 0, "canary": { "requests", "errors", "p95Ms", "memory", "cpu" }, "stable": {...} } ] }`.
 * `at` is seconds since start; any signal may be missing or null (no data). Optional extras per
 * side: `healthFailures`, `sampleAgeSeconds`, `slow`; per check: `errors` (metrics backend
 * errors), `deltas` (a journal's ledger counts, judged by the sequential analysis instead). Optional at the top (recorded traces): `startedAt`, when the first step's
 * weight was applied (default: the first check's `at`), and `source`, where the trace came from.
 * Unknown keys are ignored, so older readers still read newer traces.
 */
const num = z.number().nullable().optional();
const SideSchema = z
  .object({
    requests: num,
    errors: num,
    /** Requests slower than the P95 limit (optional; P95 is then judged by their share). */
    slow: num,
    p95Ms: num,
    memory: num,
    cpu: num,
    healthFailures: num,
    sampleAgeSeconds: num,
  })
  .nullable()
  .optional();

/** Counts a ledger took from raw counters (a journal's `measured.deltas`); judged instead of the window's. */
const count = z.number().min(0).optional();
const DeltaSideSchema = z.object({
  requests: count,
  errors: count,
  latencyCount: count,
  latencyFast: count,
});
const DeltasSchema = z.object({ canary: DeltaSideSchema, stable: DeltaSideSchema });

/** Where a recorded trace came from (`ion-rollout trace`, or a journal); informational. */
const SourceSchema = z.looseObject({
  kind: z.string(),
  stage: z.string().optional(),
  canary: z.string().optional(),
  stable: z.string().optional(),
});

export const TraceSchema = z.object({
  source: SourceSchema.optional(),
  startedAt: z.number().min(0).optional(),
  checks: z
    .array(
      z.object({
        at: z.number().min(0),
        canary: SideSchema,
        stable: SideSchema,
        errors: z.array(z.string()).optional(),
        deltas: DeltasSchema.optional(),
      }),
    )
    .min(1),
});

export type Trace = z.infer<typeof TraceSchema>;
export type TraceDocument = z.input<typeof TraceSchema>;
type TraceSide = z.infer<typeof SideSchema>;

export class TraceError extends Error {
  override name = "TraceError";
}

function side(s: TraceSide): SideSample {
  const out: SideSample = {
    requests: s?.requests ?? null,
    errors: s?.errors ?? null,
    p95LatencyMs: s?.p95Ms ?? null,
    memory: s?.memory ?? null,
    cpu: s?.cpu ?? null,
  };
  if (s && "slow" in s) out.slow = s.slow ?? null;
  if (s && "healthFailures" in s) out.healthFailures = s.healthFailures ?? null;
  if (s && "sampleAgeSeconds" in s) out.sampleAgeSeconds = s.sampleAgeSeconds ?? null;
  return out;
}

/** Validates a parsed trace and turns it into checks, in time order. */
export function parseTrace(document: unknown, source = "trace"): Check[] {
  return parseTraceDocument(document, source).checks;
}

export interface ParsedTrace {
  checks: Check[];
  /** When the first step started: `startedAt`, or the first check's `at`. */
  startedAt: number;
  source?: Trace["source"];
}

/** A trace with its extras: the first step's start and where it was recorded. */
export function parseTraceDocument(document: unknown, source = "trace"): ParsedTrace {
  const result = TraceSchema.safeParse(document);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `  - ${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new TraceError(`invalid trace (${source}):\n${issues.join("\n")}`);
  }
  const checks = result.data.checks.map((c) => ({
    at: c.at,
    canary: side(c.canary),
    stable: side(c.stable),
    ...(c.errors ? { errors: c.errors } : {}),
    ...(c.deltas ? { deltas: c.deltas } : {}),
  }));
  for (let i = 1; i < checks.length; i++) {
    if ((checks[i]?.at ?? 0) < (checks[i - 1]?.at ?? 0)) {
      throw new TraceError(`invalid trace (${source}): checks[${i}].at goes back in time`);
    }
  }
  const first = checks[0]?.at ?? 0;
  const startedAt = result.data.startedAt ?? first;
  if (startedAt > first) {
    throw new TraceError(
      `invalid trace (${source}): startedAt ${startedAt} is after the first check (${first})`,
    );
  }
  return { checks, startedAt, ...(result.data.source ? { source: result.data.source } : {}) };
}
