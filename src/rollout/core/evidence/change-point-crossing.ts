import { type BinomialTable, binomialTable } from "./binomial";
import type { EvidenceRule } from "./rule";
import { changePointLog } from "./state";

export type ChangePointRule = Pick<EvidenceRule, "nullRate" | "changePointRate" | "changePointAlternatives">;

/** Exact P(the CUSUM alone reaches `logBar` within `checks` checks of `requests` at error rate `rate`). */
export function changePointCrossing(
  rule: ChangePointRule,
  requests: number,
  checks: number,
  rate: number,
  logBar: number,
): number {
  return changePointCrossings(rule, requests, checks, rate)(logBar);
}

/**
 * `changePointCrossing` for one traffic level and rate at any bar: a bar's search runs the DP a
 * dozen times, and the binomial table and every run's ln C are the same each time, so they are
 * computed once. Each call adds the same numbers in the same order as a lone call: equal to the bit.
 * With `stopAbove`, a search that only asks "at most this?" stops once the figure is past it (it
 * only grows) and gets a partial figure that is past it too.
 */
export function changePointCrossings(
  rule: ChangePointRule,
  requests: number,
  checks: number,
  rate: number,
): (logBar: number, stopAbove?: number) => number {
  const table = binomialTable(requests, rate);
  const logs = new RunLogs(rule, requests, checks);
  return (logBar, stopAbove = Number.POSITIVE_INFINITY) =>
    crossingProbability(table, logs, checks, logBar, stopAbove);
}

/** Paths this unlikely cannot move a budget of 1e-6 or more; dropping them keeps 5,000 req/check fast. */
const PRUNE = 1e-20;

/**
 * The DP: a run is (errors, checks) since the last restart (every check brings the same requests),
 * carried with its probability in the order it was first reached. Truncated tails and pruned paths
 * count as crossings, so the figure is an upper bound, never less.
 */
function crossingProbability(
  table: BinomialTable,
  logs: RunLogs,
  checks: number,
  logBar: number,
  stopAbove: number,
): number {
  const { probabilities, from, omitted } = table;
  const width = probabilities.length;
  let runs = new Runs(logs.stride);
  let next = new Runs(logs.stride);
  runs.add(0, 0, 1);
  let crossed = 0;
  for (let t = 0; t < checks && crossed <= stopAbove; t++) {
    crossed += omitted;
    for (let s = 0; s < runs.count; s++) {
      const errors = runs.errors[s] as number;
      const length = (runs.lengths[s] as number) + 1;
      const probability = runs.masses[s] as number;
      for (let i = 0; i < width; i++) {
        const mass = probability * (probabilities[i] as number);
        // A pruned path counts as crossing as a crossing one does: no need for its ln C.
        if (mass <= PRUNE) {
          crossed += mass;
          continue;
        }
        const after = errors + from + i;
        const log = logs.at(after, length);
        if (log >= logBar) crossed += mass;
        else if (log > 0) next.add(after, length, mass);
        else next.add(0, 0, mass);
      }
    }
    runs.clear();
    [runs, next] = [next, runs];
  }
  return crossed;
}

/**
 * The runs reached at one check with their probabilities, in the order first reached (the order
 * their masses are added in), and where each sits in the list by (errors, length).
 */
class Runs {
  count = 0;
  errors = new Int32Array(64);
  lengths = new Int32Array(64);
  masses = new Float64Array(64);
  /** List index + 1 of each (errors, length) reached; 0: not reached. */
  private slots = new Int32Array(0);
  constructor(private readonly stride: number) {}

  add(errors: number, length: number, mass: number): void {
    const key = errors * this.stride + length;
    if (key >= this.slots.length) this.slots = grown(this.slots, key + 1);
    const slot = this.slots[key] as number;
    if (slot !== 0) {
      this.masses[slot - 1] = (this.masses[slot - 1] as number) + mass;
      return;
    }
    if (this.count === this.masses.length) this.growList();
    this.errors[this.count] = errors;
    this.lengths[this.count] = length;
    this.masses[this.count] = mass;
    this.count++;
    this.slots[key] = this.count;
  }

  clear(): void {
    for (let s = 0; s < this.count; s++) {
      this.slots[(this.errors[s] as number) * this.stride + (this.lengths[s] as number)] = 0;
    }
    this.count = 0;
  }

  private growList(): void {
    this.errors = grown(this.errors, 2 * this.count);
    this.lengths = grown(this.lengths, 2 * this.count);
    this.masses = grown(this.masses, 2 * this.count);
  }
}

/** A copy of `array` at least `size` long (doubling), zero beyond the old contents. */
function grown<A extends Int32Array | Float64Array>(array: A, size: number): A {
  const copy = new (array.constructor as new (n: number) => A)(Math.max(2 * array.length, size));
  copy.set(array);
  return copy;
}

/** ln C of every run (errors, checks) reached, computed once: a dense table by errors and length. */
class RunLogs {
  readonly stride: number;
  private logs = new Float64Array(0);
  private readonly state = { requests: 0, errors: 0, segmentRequests: 0, segmentErrors: 0 };

  constructor(
    private readonly rule: ChangePointRule,
    private readonly requests: number,
    checks: number,
  ) {
    this.stride = checks + 1;
  }

  at(errors: number, length: number): number {
    const key = errors * this.stride + length;
    if (key >= this.logs.length) this.grow(key);
    let log = this.logs[key] as number;
    if (Number.isNaN(log)) {
      const state = this.state;
      state.requests = state.segmentRequests = length * this.requests;
      state.errors = state.segmentErrors = errors;
      log = changePointLog(state, this.rule);
      this.logs[key] = log;
    }
    return log;
  }

  private grow(key: number): void {
    const logs = new Float64Array(Math.max(2 * this.logs.length, key + 1)).fill(Number.NaN);
    logs.set(this.logs);
    this.logs = logs;
  }
}
