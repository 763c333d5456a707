import type { StageConfig } from "../../../config";
import { analyseCheck, type Check, initialAnalysisState } from "../analysis/check";
import type { BacktestDecision, BacktestResult } from "../backtest/replay";
import { type CoreState, decide, firstStep } from "../decide";
import { buildPlan, type RolloutPlan } from "../plan";
import { refuseOutOfDomain } from "../sample/domain";
import { maxCountPerCheck } from "../sample/plausible-counts";
import { parseTrace, TraceError } from "./format";

/**
 * The backtest in constant memory: the trace's checks are cut out of the document's text chunk
 * by chunk (`TraceSplitter`), validated one at a time with the trace schema (`checkFromJson`), and
 * replayed one at a time (`BacktestRun`), so neither the trace nor the decisions are ever held
 * whole. Pure: the caller reads the file and writes the output.
 */

/** The longest one check's JSON may be: a check is a few hundred characters, a journal's a few thousand. */
export const MAX_CHECK_CHARS = 2 ** 20;

/**
 * Cuts `{ "checks": [ {...}, {...} ] }` into each check's JSON text as the text arrives. A check
 * longer than `maxCheckChars` is refused by its index before it is held whole.
 */
export class TraceSplitter {
  private seeking = true;
  private done = false;
  private head = "";
  private depth = 0;
  private inString = false;
  private escaped = false;
  private current = "";
  private found = 0;
  /** `startedAt` when the document gives it before its checks (as `ion-rollout trace` writes it). */
  startedAt: number | undefined;

  constructor(private readonly maxCheckChars = MAX_CHECK_CHARS) {}

  /** The complete checks in this chunk (and any carried over from the last one). */
  feed(chunk: string): string[] {
    if (this.done) return [];
    if (this.seeking) {
      this.head += chunk;
      const start = /"checks"\s*:\s*\[/.exec(this.head);
      if (!start) {
        if (this.head.length > 1_000_000)
          throw new TraceError('invalid trace: no "checks" array near the start');
        return [];
      }
      this.seeking = false;
      const startedAt = /"startedAt"\s*:\s*(\d+(?:\.\d+)?)/.exec(this.head.slice(0, start.index));
      if (startedAt) this.startedAt = Number(startedAt[1]);
      chunk = this.head.slice(start.index + start[0].length);
      this.head = "";
    }
    return this.scan(chunk);
  }

  /** Throws unless the checks array was closed. */
  end(): void {
    if (!this.done) throw new TraceError('invalid trace: the "checks" array is missing or not closed');
  }

  private scan(chunk: string): string[] {
    const found: string[] = [];
    let from = 0;
    for (let i = 0; i < chunk.length && !this.done; i++) {
      const c = chunk[i];
      if (this.depth === 0) {
        if (c === "]") this.done = true;
        else if (c === "{") {
          this.depth = 1;
          from = i;
        } else if (c !== "," && c !== " " && c !== "\n" && c !== "\r" && c !== "\t")
          throw new TraceError(`invalid trace: unexpected ${JSON.stringify(c)} in the checks array`);
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === "\\") this.escaped = true;
        else if (c === '"') this.inString = false;
      } else if (c === '"') this.inString = true;
      else if (c === "{" || c === "[") this.depth++;
      else if (c === "}" || c === "]") {
        this.depth--;
        if (this.depth === 0) {
          this.refuseLonger(i + 1 - from);
          found.push(this.current + chunk.slice(from, i + 1));
          this.current = "";
          this.found++;
        }
      }
    }
    if (this.depth > 0) {
      this.refuseLonger(chunk.length - from);
      this.current += chunk.slice(from);
    }
    return found;
  }

  /** Throws when the check being cut, with `more` characters added, would exceed the limit. */
  private refuseLonger(more: number): void {
    if (this.current.length + more <= this.maxCheckChars) return;
    throw new TraceError(
      `invalid trace: checks[${this.found}] is longer than ${this.maxCheckChars} characters (a check is a few hundred); is this file a trace?`,
    );
  }
}

/** One check's JSON text, validated with the trace schema; `index` and `previousAt` for messages and order. */
export function checkFromJson(text: string, index: number, previousAt: number, source: string): Check {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TraceError(`invalid trace (${source}): checks[${index}]: ${(error as Error).message}`);
  }
  let check: Check;
  try {
    [check] = parseTrace({ checks: [value] }, source) as [Check];
  } catch (error) {
    throw new TraceError((error as Error).message.replace(/checks\.0\b/g, `checks.${index}`));
  }
  if (check.at < previousAt)
    throw new TraceError(`invalid trace (${source}): checks[${index}].at goes back in time`);
  return check;
}

/** The backtest one check at a time (the same rule as `backtest`): feed checks until `finished`. */
export class BacktestRun {
  private readonly plan: RolloutPlan;
  private state?: CoreState;
  outcome: BacktestResult["outcome"] = "incomplete";
  revertedAt: number | null = null;
  finished = false;

  /** `startedAt`: when the first step's weight was applied (the trace's), default the first check's `at`. */
  constructor(
    private readonly cfg: StageConfig,
    private readonly startedAt?: number,
  ) {
    this.plan = buildPlan(cfg);
  }

  next(recorded: Check): BacktestDecision | undefined {
    if (this.finished) return undefined;
    const check = refuseOutOfDomain(recorded, maxCountPerCheck(this.cfg.rollout));
    const state = this.state ?? {
      step: firstStep(this.startedAt ?? check.at),
      analysis: initialAnalysisState(),
      seq: 0,
    };
    const weight = this.plan.steps[state.step.index]?.weight;
    const decision = decide(this.plan, state, check, analyseCheck(this.cfg, state.analysis, check, weight));
    this.state = decision.state;
    if (decision.action === "revert") [this.outcome, this.revertedAt] = ["reverted", check.at];
    if (decision.action === "promote") this.outcome = "promoted";
    this.finished = decision.action === "revert" || decision.action === "promote" || decision.timedOut;
    return decision.record;
  }
}
