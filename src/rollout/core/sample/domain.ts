import { describeCountDomain, isPlausibleCount } from "./plausible-counts";
import type { SideSample } from "./sample";

/**
 * Values outside their domain are no data, never a pass: a metrics source answering a negative
 * latency, a memory share of -1 or a fractional request count is broken, not healthy. Each refused
 * value becomes null (no data) and an error naming it, which makes the check INCONCLUSIVE; the
 * judgement never sees the impossible number. Pure.
 *
 * Domains: latency (ms) finite and >= 0; memory utilisation in [0, 1.5] (a container can briefly
 * exceed its nominal limit); CPU utilisation in [0, 64] (cores' worth); request, error and health
 * failure counts non-negative integers, and request, error and slow counts at most what the
 * service could serve in a check (sample/plausible-counts.ts) when the caller knows that ceiling; sample
 * age finite and >= 0.
 */

type Field = Exclude<keyof SideSample, never>;

interface Domain {
  accepts: (value: number) => boolean;
  describe: string;
}

const count = (ceiling: number): Domain => ({
  accepts: (v) => isPlausibleCount(v, ceiling),
  describe: describeCountDomain(ceiling),
});

/** The domains, with request-like counts bounded by `ceiling` (Infinity: whole numbers only). */
function domains(ceiling: number): Record<Field, Domain> {
  return {
    requests: count(ceiling),
    errors: count(ceiling),
    slow: count(ceiling),
    healthFailures: count(Number.POSITIVE_INFINITY),
    p95LatencyMs: { accepts: (v) => Number.isFinite(v) && v >= 0, describe: "finite and >= 0 ms" },
    memory: { accepts: (v) => v >= 0 && v <= 1.5, describe: "within [0, 1.5]" },
    cpu: { accepts: (v) => v >= 0 && v <= 64, describe: "within [0, 64]" },
    sampleAgeSeconds: { accepts: (v) => Number.isFinite(v) && v >= 0, describe: "finite and >= 0 s" },
  };
}

/** One side with every out-of-domain value set to null, and why each was refused. */
export function refuseOutOfDomainSide(
  side: SideSample,
  label: string,
  countCeiling = Number.POSITIVE_INFINITY,
): { side: SideSample; refused: string[] } {
  const clean: SideSample = { ...side };
  const refused: string[] = [];
  const domainOf = domains(countCeiling);
  for (const field of Object.keys(domainOf) as Field[]) {
    const value = side[field];
    if (value === null || value === undefined) continue;
    const domain = domainOf[field];
    if (typeof value === "number" && domain.accepts(value)) continue;
    (clean as Record<Field, number | null | undefined>)[field] = null;
    refused.push(
      `${label} ${field} ${String(value)} refused: must be ${domain.describe}; treated as no data`,
    );
  }
  return { side: clean, refused };
}

/**
 * A sample (or a trace's check) with out-of-domain values refused on both sides, as errors.
 * `countCeiling`: the most one check may count (sample/plausible-counts.ts), when the caller knows it.
 */
export function refuseOutOfDomain<T extends { canary: SideSample; stable: SideSample; errors?: string[] }>(
  sample: T,
  countCeiling = Number.POSITIVE_INFINITY,
): T {
  const canary = refuseOutOfDomainSide(sample.canary, "canary", countCeiling);
  const stable = refuseOutOfDomainSide(sample.stable, "stable", countCeiling);
  const refused = [...canary.refused, ...stable.refused];
  if (refused.length === 0) return sample;
  return {
    ...sample,
    canary: canary.side,
    stable: stable.side,
    errors: [...(sample.errors ?? []), ...refused],
  };
}
