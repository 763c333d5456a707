/**
 * Faults a rehearsal app can be told to show at runtime (POST /admin/faults), so a "bad release"
 * is the same binary as a good one with a fault switched on at the step the scenario chooses.
 */
export interface Faults {
  /** Share of user requests answered 503, 0..1. */
  errorRate: number;
  /** Milliseconds added to every user request. */
  addedLatencyMs: number;
  /** Reported container memory utilisation, 0..1; null = the process's real RSS over its nominal limit. */
  memory: number | null;
  /** Status the health path answers (200 = healthy): a release that fails its pre-traffic gate. */
  healthStatus: number;
}

export const NO_FAULTS: Faults = { errorRate: 0, addedLatencyMs: 0, memory: null, healthStatus: 200 };

export class FaultError extends Error {
  override name = "FaultError";
}

function ratio(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new FaultError(`${name} must be a number between 0 and 1, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Merges a partial update (the admin endpoint's JSON body) into the current faults. */
export function updateFaults(current: Faults, body: unknown): Faults {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new FaultError('expected a JSON object like {"errorRate": 0.2}');
  }
  const next = { ...current };
  for (const [key, value] of Object.entries(body)) {
    if (key === "errorRate") next.errorRate = ratio(value, key);
    else if (key === "addedLatencyMs") {
      if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > 60_000) {
        throw new FaultError(`addedLatencyMs must be 0..60000, got ${JSON.stringify(value)}`);
      }
      next.addedLatencyMs = value;
    } else if (key === "memory") next.memory = value === null ? null : ratio(value, key);
    else if (key === "healthStatus") {
      if (typeof value !== "number" || !Number.isInteger(value) || value < 200 || value > 599) {
        throw new FaultError(`healthStatus must be an HTTP status 200..599, got ${JSON.stringify(value)}`);
      }
      next.healthStatus = value;
    } else
      throw new FaultError(
        `unknown fault ${JSON.stringify(key)}; known: errorRate, addedLatencyMs, memory, healthStatus`,
      );
  }
  return next;
}

/**
 * Decides which requests fail so that the share of failures tracks `errorRate` exactly over any
 * run of requests (error diffusion), not just on average: fault tests and the benchmark can then
 * reason about counts without random noise. Populations with noise are the simulation's job.
 */
export class ErrorPacer {
  private owed = 0;

  shouldFail(errorRate: number): boolean {
    if (errorRate <= 0) {
      this.owed = 0;
      return false;
    }
    this.owed += errorRate;
    if (this.owed >= 1) {
      this.owed -= 1;
      return true;
    }
    return false;
  }
}
