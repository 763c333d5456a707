import type { SideSample } from "./sample";

/**
 * Values outside their domain are no data, never a pass: a metrics source answering a negative
 * latency, a memory share of -1 or a fractional request count is broken, not healthy. Each refused
 * value becomes null (no data) and an error naming it, which makes the check INCONCLUSIVE; the
 * judgement never sees the impossible number. Pure.
 *
 * Domains: latency (ms) finite and >= 0; memory utilisation in [0, 1.5] (a container can briefly
 * exceed its nominal limit); CPU utilisation in [0, 64] (cores' worth); request, error and health
 * failure counts non-negative integers; sample age finite and >= 0.
 */

type Field = Exclude<keyof SideSample, never>;

interface Domain {
  accepts: (value: number) => boolean;
  describe: string;
}

const isCount = (v: number) => Number.isInteger(v) && v >= 0;
const COUNT: Domain = { accepts: isCount, describe: "a non-negative integer count" };

const DOMAINS: Record<Field, Domain> = {
  requests: COUNT,
  errors: COUNT,
  slow: COUNT,
  healthFailures: COUNT,
  p95LatencyMs: { accepts: (v) => Number.isFinite(v) && v >= 0, describe: "finite and >= 0 ms" },
  memory: { accepts: (v) => v >= 0 && v <= 1.5, describe: "within [0, 1.5]" },
  cpu: { accepts: (v) => v >= 0 && v <= 64, describe: "within [0, 64]" },
  sampleAgeSeconds: { accepts: (v) => Number.isFinite(v) && v >= 0, describe: "finite and >= 0 s" },
};

/** One side with every out-of-domain value set to null, and why each was refused. */
export function refuseOutOfDomainSide(
  side: SideSample,
  label: string,
): { side: SideSample; refused: string[] } {
  const clean: SideSample = { ...side };
  const refused: string[] = [];
  for (const field of Object.keys(DOMAINS) as Field[]) {
    const value = side[field];
    if (value === null || value === undefined) continue;
    const domain = DOMAINS[field];
    if (typeof value === "number" && domain.accepts(value)) continue;
    (clean as Record<Field, number | null | undefined>)[field] = null;
    refused.push(
      `${label} ${field} ${String(value)} refused: must be ${domain.describe}; treated as no data`,
    );
  }
  return { side: clean, refused };
}

/** A sample (or a trace's check) with out-of-domain values refused on both sides, as errors. */
export function refuseOutOfDomain<T extends { canary: SideSample; stable: SideSample; errors?: string[] }>(
  sample: T,
): T {
  const canary = refuseOutOfDomainSide(sample.canary, "canary");
  const stable = refuseOutOfDomainSide(sample.stable, "stable");
  const refused = [...canary.refused, ...stable.refused];
  if (refused.length === 0) return sample;
  return {
    ...sample,
    canary: canary.side,
    stable: stable.side,
    errors: [...(sample.errors ?? []), ...refused],
  };
}
