/**
 * bench/results/rehearsal.json (written by a successful `npm run rehearse`: that run's summary)
 * and its figure list for README.md. One run, so single figures, not distributions.
 */

interface Outcome {
  release: string;
  outcome: string;
  seconds: number;
}

export interface RehearsalResults {
  command: string;
  /** When the run started (ISO 8601); absent when not recorded. */
  at?: string;
  wallSeconds: number;
  good: Outcome;
  bad: Outcome & {
    faultInjectedAtWeight: number | null;
    breachToRevertSeconds: number | null;
    failedCanaryRequests: number | null;
  };
  replay: {
    agrees: boolean;
    live: { outcome: string; checks: number };
    replay: { outcome: string; checks: number };
  };
  refused: Outcome & { userRequestsServed: number; haproxySessions: number; prometheusRequests: number };
  load: { sent: number; ok: number; serverErrors: number; failed: number };
}

const s = (seconds: number | null) => (seconds === null ? "–" : `${seconds.toFixed(1)} s`);
const n = (count: number | null) => (count === null ? "–" : count.toLocaleString("en-US"));

export function renderRehearsal(r: RehearsalResults): string {
  const { good, bad, replay, refused, load } = r;
  return [
    `One run of \`${r.command}\`${r.at ? ` (${r.at})` : ""} on this machine: ${s(r.wallSeconds)} in all.`,
    "",
    `- good release ${good.release}: ${good.outcome} in ${s(good.seconds)}.`,
    `- bad release ${bad.release} (${n(bad.faultInjectedAtWeight)}% when the fault switched on): ${bad.outcome}, ` +
      `HAProxy at 0% canary ${s(bad.breachToRevertSeconds)} after the fault, having served ${n(bad.failedCanaryRequests)} failed ` +
      `requests; of ${n(load.sent)} user requests in the whole run, ${n(load.serverErrors)} answered 5xx and ${n(load.failed)} failed to connect.`,
    `- its trace from the real Prometheus, replayed: ${replay.replay.outcome} at check ${replay.replay.checks}, ` +
      `live ${replay.live.outcome} at check ${replay.live.checks} (${replay.replay.checks === replay.live.checks ? "the same" : replay.agrees ? "agreeing within one check" : "they differ"}).`,
    `- refused release ${refused.release}: ${refused.outcome} ${s(refused.seconds)} after its start; user requests it ` +
      `served: ${n(refused.userRequestsServed)} (app counters), ${n(refused.haproxySessions)} (HAProxy sessions), ` +
      `${n(refused.prometheusRequests)} (Prometheus).`,
  ].join("\n");
}
